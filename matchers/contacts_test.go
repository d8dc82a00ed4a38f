package matchers

import (
	"slices"
	"strings"
	"testing"

	"leakwatch/leak"
)

const (
	testTox     = "56A1ADE4B65B86BCD51CC73E2CD4E542179F47959FE3E0E21B4B0ACDADE51855D34D34D37CB5"
	testSession = "05d871fc80ca007eed9b2f4df72853e2a2d5465a92fcb1889fb5c84aa2833b3b40"
	testBTC     = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
	testBTCOld  = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
	testXMR     = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
	testPGP     = "4E2C 6E8B 9E5E 14F3 A2B4  51C0 9D3F 7A12 CB83 E0F1"
)

// Seller contacts as sale posts give them, in English and Russian; a
// dump's own emails and handles, a forum @mention, a hash and a broken
// address are not contacts.
func TestSellerContacts(t *testing.T) {
	s := testSet(t)
	cases := []struct {
		name string
		post string
		want []string
		not  []string
	}{
		{"en forum sale", "[SELLING] 30M Acme Wireless customer DB, SSN+DL+IMEI\nSample below, escrow ok.\n" +
			"Contact: jabber n0v4@exploit.im or Tox " + testTox + "\nTelegram: t.me/n0v4_shop\n" +
			"Payment BTC " + testBTC + "\nann@mail.test,312-555-0148,219-09-9999\nzed@mail.test,415-555-0199,000-00-0000\n",
			[]string{"xmpp:n0v4@exploit.im", "tox:" + testTox, "telegram:@n0v4_shop", "btc:" + testBTC},
			[]string{"email:ann@mail.test", "email:zed@mail.test"}},
		{"ru sale", "Продам базу Acme Wireless 30кк абонентов, паспорт, СНИЛС\nДля связи: жаба seller77@jabber.ru, тг @seller77_ru\n" +
			"Оплата XMR " + testXMR + "\nГарант принимается.",
			[]string{"xmpp:seller77@jabber.ru", "telegram:@seller77_ru", "xmr:" + testXMR}, nil},
		{"session, pgp, email on a contact line", "WTS Acme customer database 12M records, price 4 BTC\n" +
			"Write me: darkvend@proton.me (PGP fingerprint " + testPGP + ")\nSession ID " + testSession + "\n" +
			"old wallet " + testBTCOld + "\n",
			[]string{"email:darkvend@proton.me", "pgp:4E2C6E8B9E5E14F3A2B451C09D3F7A12CB83E0F1", "session:" + testSession, "btc:" + testBTCOld}, nil},
		{"key-value dump and mentions", "Selling Acme Wireless 2M customers, escrow.\n@moderator please pin\n" +
			"Email: ann@mail.test\nTelegram: ann_private_tg\nsha1 da39a3ee5e6b4b0d3255bfef95601890afd80709\n" +
			"btc 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb\n",
			nil, []string{"telegram:@moderator", "email:ann@mail.test", "btc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"}},
	}
	for _, c := range cases {
		ev := s.Match(c.post)
		if ev.Claim == nil {
			t.Errorf("%s: not read as a sale: %+v", c.name, ev)
			continue
		}
		var got []string
		for _, p := range ev.Claim.Points {
			got = append(got, p.String())
		}
		for _, w := range c.want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: %s not read (got %v)", c.name, w, got)
			}
		}
		for _, n := range c.not {
			if slices.Contains(got, n) {
				t.Errorf("%s: %s read as the seller's", c.name, n)
			}
		}
		if c.want == nil && len(got) > 0 {
			t.Errorf("%s: read %v, want nothing", c.name, got)
		}
	}
	// A customer's email on a contact-like line is ours, not the seller's.
	if ev := s.Match("Selling Acme Wireless 2M customers, escrow.\nContact me: ann@mail.test\n"); ev.Claim == nil || len(ev.Claim.Points) != 0 {
		t.Errorf("a customer's email read as the seller's: %+v", ev.Claim)
	}
	// Not a sale: no contacts read, whatever the post holds.
	if ev := s.Match("my jabber is friend@exploit.im, ping me about the meetup"); ev.Claim != nil && len(ev.Claim.Points) > 0 {
		t.Errorf("contacts read from a post that sells nothing: %v", ev.Claim.Points)
	}
	// A buyer's reply in a thread is not the seller's.
	thread := leak.ThreadText([]leak.Message{
		{Author: "n0v4", Body: "Selling Acme Wireless 30M customer db, escrow ok. jabber n0v4@exploit.im"},
		{Author: "buyer1", Body: "interested, my jabber buyer1@jabber.de"},
	})
	ev := s.Match(thread)
	if ev.Claim == nil || !slices.ContainsFunc(ev.Claim.Points, func(c leak.Contact) bool { return c.Value == "n0v4@exploit.im" }) ||
		slices.ContainsFunc(ev.Claim.Points, func(c leak.Contact) bool { return strings.HasPrefix(c.Value, "buyer1") }) {
		t.Errorf("thread contacts: %+v", ev.Claim)
	}
}

func TestValidBTC(t *testing.T) {
	for a, want := range map[string]bool{
		testBTC: true, testBTCOld: true, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy": true,
		"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr": false, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb": false, "1111111111111111111114oLvT2": true,
	} {
		if got := validBTC(a); got != want {
			t.Errorf("validBTC(%s) = %v, want %v", a, got, want)
		}
	}
}
