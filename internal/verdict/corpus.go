package verdict

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"leakwatch/leak"
)

// Post is one labelled thread or paste.
type Post struct {
	ID     string // family/variant, stable for a seed
	Family string
	Site   string // mybb, xenforo, phpbb or paste
	Prefix string // a forum thread prefix, shown apart from the title (WTS, SELLING, FREE)
	Title  string
	Author string // the thread starter or paste author
	Msgs   []Msg  // a forum thread's posts; a paste has one, its text
	Expect Expect
}

// Msg is one post of a thread.
type Msg struct {
	Author string
	Blocks []Block
}

// Block is a piece of a post: text (HTML inline markup allowed), a code
// block, a table or a quote.
type Block struct {
	HTML  string   // a paragraph of text; may hold inline tags
	Code  []string // a code block's lines
	Table [][]string
	Quote *Msg // a quoted post
}

// Expect is what an analyst expects of a post.
type Expect struct {
	// Severity is the severity expected; with AtMost it is the highest
	// acceptable (posts that need no alert: info or none).
	Severity leak.Severity
	AtMost   bool
	// Partitions are the canary partitions the post holds, exactly.
	Partitions []string
	// Rows counts the sample: checked when Sample is set.
	Sample bool
	Rows   counts
	// Other says the post is another company's sale or dump.
	Other bool
	// Records is the claimed count as written, when the headline must
	// show it.
	Records string
	// RepeatOf names the post whose dataset this one reposts.
	RepeatOf string
	Why      string // the case, in a few words
}

// Corpus is the generated world and its posts.
type Corpus struct {
	World *World
	Posts []*Post
}

// Generate builds the corpus of seed.
func Generate(seed uint64) *Corpus {
	w := NewWorld(seed, 20000)
	g := &gen{w: w, r: w.Rand()}
	for _, f := range families {
		for i := range f.n {
			p := f.make(g, i)
			if p == nil {
				continue
			}
			p.Family = f.name
			p.ID = fmt.Sprintf("%s-%d", f.name, i+1)
			if p.Site == "" {
				p.Site = g.site()
			}
			if p.Author == "" && len(p.Msgs) > 0 {
				p.Author = p.Msgs[0].Author
			}
			g.posts = append(g.posts, p)
		}
	}
	// Reposts name the post they repeat by ID.
	for _, p := range g.posts {
		if id, ok := g.named[p.Expect.RepeatOf]; ok {
			p.Expect.RepeatOf = id
		}
	}
	sort.SliceStable(g.posts, func(i, j int) bool { return g.posts[i].ID < g.posts[j].ID })
	return &Corpus{World: w, Posts: g.posts}
}

type gen struct {
	w     *World
	r     *rand.Rand
	posts []*Post
	named map[string]string
	saved map[string][]row
	sites int
}

func (g *gen) site() string {
	g.sites++
	return []string{"mybb", "xenforo", "phpbb", "paste"}[g.r.IntN(4)]
}

func (g *gen) forum() string { return []string{"mybb", "xenforo", "phpbb"}[g.r.IntN(3)] }

var sellers = strings.Fields(`n0v4_sells d4taking0 ShinyLeaks breachlord kr4ken_db v0id_market dumpster_fire
	ghostbroker SilentPanda 0xMerchant quietstorm lunar_moth ferrum_data cipher_ant m1dnight_oil bl4ckbird
	datadealer_us IronVault wraith_db snowcrash77 saltwater coldfusion_x nomadic0re`)

var buyers = strings.Fields(`buyer_x richkid99 lurker42 skeptic0 fr3shmeat anon_4417 bigspender deal_hunter
	noob_carder wh1tefang orcastra jjj_trader mikey_b escrowfan p4ranoid tinfoil_hat`)

var others = strings.Fields(`newsbot infosec_watcher throwaway_22 curious_cat mod_team sysadmin_joe grumpy_dev
	halcyon_user_123 techguy_88 sara_k random_reader`)

func (g *gen) seller() string { return pick(g.r, sellers) }
func (g *gen) buyer() string  { return pick(g.r, buyers) }
func (g *gen) other() string  { return pick(g.r, others) }

// ours names the company as a seller does: a full name or the domain.
func (g *gen) ours() string {
	return pick(g.r, []string{"Halcyon Wireless", "Halcyon Wireless", "Halcyon Mobile", "HALCYON WIRELESS", "halcyonwireless.com"})
}

var otherCompanies = []string{"Globex Bank", "Initech", "Vandelay Industries", "Umbrella Health", "Stark Retail",
	"Hooli", "Soylent Foods", "Cyberdyne Systems", "Northwind Traders", "Contoso Energy", "Fabrikam Insurance",
	"Tyrell Motors", "Oscorp Labs", "Wayne Financial", "Massive Dynamic", "Gringotts Credit Union", "Pawnee Utilities"}

var collisions = []string{"Halcyon Pharmaceuticals", "Halcyon Bank", "Halcyon Health", "Halcyon Capital", "Halcyon Hotels",
	"Halcyon Energy", "Halcyon Insurance", "Halcyon Labs"}

func (g *gen) price() string {
	switch g.r.IntN(5) {
	case 0:
		return fmt.Sprintf("%d BTC", g.r.IntN(9)+1)
	case 1:
		return fmt.Sprintf("0.%d BTC", g.r.IntN(9)+1)
	case 2:
		return fmt.Sprintf("$%d,%03d", g.r.IntN(20)+1, g.r.IntN(10)*100)
	case 3:
		return fmt.Sprintf("%d XMR", g.r.IntN(80)+5)
	}
	return fmt.Sprintf("%d00 USDT", g.r.IntN(90)+5)
}

// contact is the seller's contact block: never sample rows.
func (g *gen) contact() []Block {
	r := g.r
	h := pick(r, sellers)
	lines := [][]string{
		{"Contact: jabber " + h + "@jabber.example"},
		{"Jabber: " + h + "@xmpp.example", "Tox: " + strings.ToUpper(fmt.Sprintf("%016x%016x%016x%012x", r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()>>16))},
		{"TG: @" + h + " (no DMs from new accounts)"},
		{"Session ID: 05" + fmt.Sprintf("%016x%016x%016x%016x", r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64())[:64]},
		{"email me at " + h + "@protonmail.example for the full list"},
		{"contact: " + h + "@cock.example (xmpp) or PM here"},
		{"XMPP: " + h + "@jabb3r.example | PGP key on my profile"},
	}
	ls := pick(r, lines)
	var bs []Block
	for _, l := range ls {
		bs = append(bs, Block{HTML: esc(l)})
	}
	return bs
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func para(format string, args ...any) Block { return Block{HTML: esc(fmt.Sprintf(format, args...))} }

// sampleBlock writes rows as a code block or a table.
func (g *gen) sampleBlock(spec sampleSpec, rs []row) Block {
	if spec.format == "table" {
		return Block{Table: spec.cells(rs)}
	}
	return Block{Code: spec.lines(rs)}
}

// family makes the posts of one case.
type family struct {
	name string
	n    int
	make func(g *gen, i int) *Post
}

func critical(c counts, parts ...string) Expect {
	return Expect{Severity: leak.SeverityCritical, Partitions: parts, Sample: true, Rows: c}
}

func high(c *counts) Expect {
	e := Expect{Severity: leak.SeverityHigh}
	if c != nil {
		e.Sample, e.Rows = true, *c
	}
	return e
}

func atMost(s leak.Severity, other bool, why string) Expect {
	return Expect{Severity: s, AtMost: true, Other: other, Why: why}
}

// nameForTitle is how our name appears in a title.
func (g *gen) nameForTitle() string {
	return pick(g.r, []string{"Halcyon Wireless", "Halcyon Mobile", "Halcyon", "HALCYON WIRELESS", "halcyonwireless.com"})
}

// replies are what buyers write under a sale.
func (g *gen) replies(n int) []Msg {
	lines := []string{"escrow or gtfo", "vouch, bought the sample, legit", "is it fresh? last one I bought was 2023 junk",
		"pm sent", "how many with SSN?", "100K for the lot?", "price too high lol", "bump", "legit seller, 3rd deal with him",
		"any more samples?", "does it have DOB?", "sent you a DM on jabber", "scam, avoid", "ETA on delivery?",
		"interested, check your inbox", "can you split by state?", "will you take 2 BTC", "+1 interested"}
	var ms []Msg
	for range n {
		ms = append(ms, Msg{Author: g.buyer(), Blocks: []Block{para("%s", pick(g.r, lines))}})
	}
	return ms
}

var families = []family{
	// ---------------------------------------------------------------- critical
	{"sale-sample", 14, func(g *gen, i int) *Post {
		// A sale naming us, with a sample of real customers (and strangers).
		r := g.r
		real, fake := 4+r.IntN(20), r.IntN(4)
		rs := g.w.mixRows(real, nil, fake)
		spec := randomSpec(r)
		if i%5 == 4 {
			spec.format = "table"
		}
		n, ntext := fmtCount(r)
		_ = n
		name := g.ours()
		types := pick(r, []string{"SSN+DL", "SSN, DOB, DL", "full PII + IMEI", "names, emails, phones, SSN", "fullz"})
		intro := pick(r, []string{
			"Selling fresh %s customer database, %s records. Dumped from their billing backend last month.",
			"Up for sale: %s subscriber db, %s rows total, never sold before.",
			"I'm selling the full %s customer DB (%s records), exfiltrated in October.",
			"%s customers, %s lines, private dump. Selling to one buyer only.",
		})
		title := fmt.Sprintf("%s %s customers - %s", g.nameForTitle(), ntext, types)
		seller := g.seller()
		msg := Msg{Author: seller, Blocks: []Block{
			para(intro, name, ntext),
			para("Fields: %s. Price %s, escrow accepted.", strings.Join(spec.fields, ", "), g.price()),
			para("Sample below (%d rows):", len(rs)),
			g.sampleBlock(spec, rs),
		}}
		msg.Blocks = append(msg.Blocks, g.contact()...)
		p := &Post{Site: g.forum(), Prefix: pick(r, []string{"SELLING", "WTS", "SALE", ""}), Title: title,
			Msgs: append([]Msg{msg}, g.replies(r.IntN(4))...), Expect: critical(countRows(rs))}
		p.Expect.Records = ntext
		if i == 0 {
			g.remember("sale-sample", rs)
		}
		return p
	}},
	{"sale-canary", 7, func(g *gen, i int) *Post {
		// A sale whose sample holds canaries: the partition leaked.
		r := g.r
		part := Partitions[i%len(Partitions)]
		cs := []Canary{g.w.CanaryIn(part)}
		parts := []string{part}
		if i%3 == 2 {
			other := Partitions[(i+1)%len(Partitions)]
			cs = append(cs, g.w.CanaryIn(other))
			parts = append(parts, other)
		}
		rs := g.w.mixRows(5+r.IntN(12), cs, r.IntN(3))
		spec := randomSpec(r)
		spec.fields = pick(r, [][]string{{"name", "email", "phone", "ssn"}, {"email", "phone", "ssn", "dob"}, {"name", "phone", "email"}})
		_, ntext := fmtCount(r)
		p := &Post{Site: g.site(), Prefix: "WTS", Title: fmt.Sprintf("%s %s db, billing + crm", g.nameForTitle(), ntext),
			Msgs: []Msg{{Author: g.seller(), Blocks: append([]Block{
				para("%s customer records for sale. %s. Sample:", g.ours(), g.price()),
				g.sampleBlock(spec, rs)}, g.contact()...)}}}
		sortStrings(parts)
		p.Expect = critical(countRows(rs), parts...)
		return p
	}},
	{"sale-unnamed-verified", 6, func(g *gen, i int) *Post {
		// A sale that names no company: its rows are our customers.
		r := g.r
		rs := g.w.mixRows(6+r.IntN(15), nil, r.IntN(3))
		spec := randomSpec(r)
		_, ntext := fmtCount(r)
		desc := pick(r, []string{"major US carrier", "top-3 wireless provider", "US mobile carrier", "big telco (US)"})
		p := &Post{Prefix: pick(r, []string{"SELLING", "WTS", ""}), Title: fmt.Sprintf("%s %s - %s", ntext, desc, pick(r, []string{"SSN+DOB", "fullz", "PII + IMEI"})),
			Msgs: []Msg{{Author: g.seller(), Blocks: append([]Block{
				para("Not saying the name here, you will recognise it. %s records of a %s. %s, escrow only.", ntext, desc, g.price()),
				para("Sample:"), g.sampleBlock(spec, rs)}, g.contact()...)}}}
		p.Expect = critical(countRows(rs))
		return p
	}},
	{"free-dump", 7, func(g *gen, i int) *Post {
		// Given away: the data is out.
		r := g.r
		rs := g.w.mixRows(8+r.IntN(20), nil, r.IntN(3))
		spec := randomSpec(r)
		name := g.ours()
		texts := []string{
			"%s dump, free for the community. Enjoy. Full file on the usual host, first rows below.",
			"Leaking the %s customer table for free since the buyer scammed me. Here you go:",
			"%s db leaked. Free download, no charge, just leave a like. Preview:",
		}
		p := &Post{Prefix: pick(r, []string{"FREE", "LEAK", "LEAKED"}), Title: fmt.Sprintf("%s customers %s", g.nameForTitle(), pick(r, []string{"full dump", "leak", "db free"})),
			Msgs: append([]Msg{{Author: g.seller(), Blocks: []Block{para(pick(r, texts), name), g.sampleBlock(spec, rs)}}}, g.replies(r.IntN(3))...)}
		p.Expect = critical(countRows(rs))
		return p
	}},
	{"combo-ours", 5, func(g *gen, i int) *Post {
		// email:password of our customers' accounts.
		r := g.r
		rs := g.w.mixRows(15+r.IntN(25), nil, r.IntN(4))
		spec := sampleSpec{format: "combo"}
		texts := []string{
			"%s accounts combo, email:pass, checked today. Free for members:",
			"Selling %s account logins (email:pass), %s. Sample of valid ones:",
			"fresh %s combolist, private, cracked from their portal. enjoy",
		}
		t := pick(r, texts)
		var first Block
		if strings.Count(t, "%s") == 2 {
			first = para(t, g.ours(), g.price())
		} else {
			first = para(t, g.ours())
		}
		p := &Post{Site: pick(r, []string{"paste", "mybb", "xenforo"}), Prefix: "FREE", Title: g.nameForTitle() + " accounts email:pass",
			Msgs: []Msg{{Author: g.seller(), Blocks: []Block{first, g.sampleBlock(spec, rs)}}}}
		p.Expect = critical(countRows(rs))
		return p
	}},
	{"evasion", 12, func(g *gen, i int) *Post {
		// Values spelled to get past scrapers.
		r := g.r
		rs := g.w.mixRows(5+r.IntN(8), nil, r.IntN(2))
		evades := []string{"email-at", "email-paren", "ssn-spaced", "ssn-dots", "ssn-slashes", "digits-spaced"}
		ev := evades[i%len(evades)]
		spec := sampleSpec{format: pick(r, []string{"csv", "pipe", "kv", "tsv"}), evade: ev, phone: r.IntN(6)}
		switch ev {
		case "email-at", "email-paren":
			spec.fields = []string{"name", "email", "dob"}
		case "digits-spaced":
			spec.fields = []string{"name", "phone"}
		default:
			spec.fields = []string{"name", "ssn", "dob", "zip"}
		}
		if i >= 6 {
			spec.format = "table"
		}
		p := &Post{Site: g.forum(), Prefix: "SELLING", Title: fmt.Sprintf("%s %s - written so bots cant read it", g.nameForTitle(), pick(r, []string{"db", "customers", "leak"})),
			Msgs: []Msg{{Author: g.seller(), Blocks: append([]Block{
				para("Selling %s customer data, %s. Sample (spelled out, scrapers skip it):", g.ours(), g.price()),
				g.sampleBlock(spec, rs)}, g.contact()...)}}}
		p.Expect = critical(countRows(rs))
		return p
	}},
	{"tag-split", 4, func(g *gen, i int) *Post {
		// Digits split by HTML tags, one record per line of text.
		r := g.r
		rs := g.w.mixRows(4+r.IntN(4), nil, 0)
		var bs []Block
		bs = append(bs, para("Selling %s db, %s. A few rows, formatted to dodge the monitors:", g.ours(), g.price()))
		for _, x := range rs {
			d := digitsOf(x.p.SSN)
			ph := digitsOf(x.p.Phone)
			bs = append(bs, Block{HTML: fmt.Sprintf("%s | <b>%s</b>-%s-<i>%s</i> | %s<span>%s</span>%s", esc(x.p.Name()),
				d[:3], d[3:5], d[5:], ph[:3], ph[3:6], ph[6:])})
		}
		p := &Post{Site: g.forum(), Prefix: "WTS", Title: g.nameForTitle() + " SSN+phone", Msgs: []Msg{{Author: g.seller(), Blocks: bs}}}
		p.Expect = critical(countRows(rs))
		return p
	}},
	{"kv-records", 5, func(g *gen, i int) *Post {
		r := g.r
		rs := g.w.mixRows(3+r.IntN(6), nil, r.IntN(2))
		spec := sampleSpec{format: "kv", fields: pick(r, [][]string{{"name", "email", "phone", "dob"}, {"first", "last", "ssn", "dob", "dl"}, {"name", "phone", "address", "zip", "dob"}}), phone: r.IntN(6)}
		p := &Post{Prefix: "SELLING", Title: fmt.Sprintf("%s fullz, %s", g.nameForTitle(), pick(r, []string{"per record", "bulk"})),
			Msgs: []Msg{{Author: g.seller(), Blocks: append([]Block{para("%s fullz, %s each or bulk discount. Examples:", g.ours(), pick(r, []string{"$15", "$8", "0.0004 BTC"})),
				g.sampleBlock(spec, rs)}, g.contact()...)}}}
		p.Expect = critical(countRows(rs))
		return p
	}},
	{"dl-heavy", 5, func(g *gen, i int) *Post {
		// Licences in their states' formats carry the rows.
		r := g.r
		var rs []row
		for len(rs) < 6+r.IntN(6) {
			p := g.w.Customer()
			if i%2 == 0 && p.DLState != "WA" && p.DLState != "FL" && p.DLState != "IL" {
				continue
			}
			rs = append(rs, row{p: p, ours: true})
		}
		spec := sampleSpec{format: pick(r, []string{"csv", "pipe", "kv"}), fields: []string{"name", "dob", "dl"}}
		p := &Post{Site: g.forum(), Prefix: "WTS", Title: g.nameForTitle() + " customers with DL scans",
			Msgs: []Msg{{Author: g.seller(), Blocks: []Block{para("%s customers, DL front/back scans + numbers. %s. Numbers:", g.ours(), g.price()), g.sampleBlock(spec, rs)}}}}
		p.Expect = critical(countRows(rs))
		return p
	}},
	{"russian-sale", 6, func(g *gen, i int) *Post {
		r := g.r
		rs := g.w.mixRows(5+r.IntN(10), nil, r.IntN(2))
		spec := randomSpec(r)
		m := r.IntN(30) + 2
		texts := []string{
			"Продаю базу клиентов %s, %d млн записей, свежая. Цена %s, гарант форума. Пример:",
			"Продам базу %s (%d млн строк): ФИО, телефон, email, SSN. Пиши в лс. Образец ниже:",
		}
		p := &Post{Site: g.forum(), Prefix: "Продажа", Title: fmt.Sprintf("База %s %d млн", g.nameForTitle(), m),
			Msgs: []Msg{{Author: g.seller(), Blocks: append([]Block{para(pick(r, texts), g.ours(), m, g.price()), g.sampleBlock(spec, rs)}, g.contact()...)}}}
		p.Expect = critical(countRows(rs))
		p.Expect.Records = fmt.Sprintf("%d млн", m)
		return p
	}},
	{"sample-later", 5, func(g *gen, i int) *Post {
		// The seller posts the sample later in the thread, after replies.
		r := g.r
		rs := g.w.mixRows(6+r.IntN(10), nil, r.IntN(2))
		spec := randomSpec(r)
		seller := g.seller()
		_, ntext := fmtCount(r)
		msgs := []Msg{{Author: seller, Blocks: []Block{para("Selling %s customer db, %s records, %s. Sample soon, ask questions meanwhile.", g.ours(), ntext, g.price())}}}
		msgs = append(msgs, g.replies(1+r.IntN(3))...)
		msgs = append(msgs, Msg{Author: seller, Blocks: []Block{para("As promised, sample:"), g.sampleBlock(spec, rs)}})
		msgs = append(msgs, g.replies(r.IntN(2))...)
		p := &Post{Site: g.forum(), Prefix: "WTS", Title: fmt.Sprintf("%s %s", g.nameForTitle(), ntext), Msgs: msgs}
		p.Expect = critical(countRows(rs))
		p.Expect.Records = ntext
		return p
	}},
	{"title-only-claim", 5, func(g *gen, i int) *Post {
		// The body is the sample and a contact; the title says the rest.
		r := g.r
		rs := g.w.mixRows(5+r.IntN(10), nil, 0)
		spec := randomSpec(r)
		_, ntext := fmtCount(r)
		p := &Post{Site: g.forum(), Prefix: pick(r, []string{"WTS", "SELLING"}), Title: fmt.Sprintf("%s %s SSN+DL", g.nameForTitle(), ntext),
			Msgs: []Msg{{Author: g.seller(), Blocks: append([]Block{g.sampleBlock(spec, rs)}, g.contact()...)}}}
		p.Expect = critical(countRows(rs))
		p.Expect.Records = ntext
		return p
	}},
	{"paste-dump", 8, func(g *gen, i int) *Post {
		// A raw paste of our customers, no words.
		r := g.r
		rs := g.w.mixRows(8+r.IntN(30), nil, r.IntN(3))
		spec := randomSpec(r)
		p := &Post{Site: "paste", Title: pick(r, []string{"Untitled", "part2", "hlcy_export", "out.csv", "dump_" + fmt.Sprint(r.IntN(99))}),
			Author: pick(r, []string{"Guest", "anon", "Guest"}),
			Msgs:   []Msg{{Blocks: []Block{g.sampleBlock(spec, rs)}}}}
		p.Expect = critical(countRows(rs))
		return p
	}},
	{"canary-foreign-dump", 4, func(g *gen, i int) *Post {
		// A dump labelled as another company's that holds our canary: it is
		// our partition that leaked.
		r := g.r
		part := Partitions[i%len(Partitions)]
		rs := g.w.mixRows(0, []Canary{g.w.CanaryIn(part)}, 10+r.IntN(20))
		spec := sampleSpec{fields: []string{"name", "email", "phone"}, format: pick(r, []string{"csv", "pipe"}), phone: r.IntN(6)}
		p := &Post{Site: "paste", Title: pick(r, []string{"marketing list 2026", "leads_batch_7", "crm export"}), Author: "Guest",
			Msgs: []Msg{{Blocks: []Block{g.sampleBlock(spec, rs)}}}}
		p.Expect = critical(countRows(rs), part)
		return p
	}},
	{"repost", 4, func(g *gen, i int) *Post {
		// The first sale's dataset again, under other wrapper text.
		r := g.r
		rs := g.saved["sale-sample"]
		if rs == nil {
			return nil
		}
		spec := randomSpec(r)
		if i%2 == 1 {
			spec.format = "table"
		}
		p := &Post{Site: g.site(), Prefix: "SELLING", Title: fmt.Sprintf("%s db (reupload)", g.nameForTitle()),
			Msgs: []Msg{{Author: g.seller(), Blocks: []Block{para("Reposting the %s db, previous thread got nuked. %s.", g.ours(), g.price()), para("Code:"), g.sampleBlock(spec, rs)}}}}
		p.Msgs = append(p.Msgs, g.replies(r.IntN(3))...)
		p.Expect = critical(countRows(rs))
		p.Expect.RepeatOf = "sale-sample"
		return p
	}},
	{"terse-seller", 5, func(g *gen, i int) *Post {
		// Few words, abbreviations, no punctuation: how many sellers write.
		r := g.r
		rs := g.w.mixRows(5+r.IntN(10), nil, r.IntN(2))
		spec := randomSpec(r)
		_, ntext := fmtCount(r)
		lines := []string{
			"%s full db %s ssn dob dl %s tox only",
			"fresh %s dump. %s lines. %s. no escrow no deal",
			"%s custs %s, price %s, ask for more samples",
		}
		p := &Post{Site: g.site(), Prefix: pick(r, []string{"WTS", ""}), Title: fmt.Sprintf("%s %s", pick(r, []string{"Halcyon Wireless", "halcyonwireless.com", "HALCYON MOBILE"}), ntext),
			Msgs: []Msg{{Author: g.seller(), Blocks: []Block{para(pick(r, lines), strings.ToLower(g.ours()), ntext, g.price()), g.sampleBlock(spec, rs)}}}}
		p.Expect = critical(countRows(rs))
		return p
	}},
	{"export-json", 4, func(g *gen, i int) *Post {
		// A pretty-printed JSON export: one record over many lines.
		r := g.r
		rs := g.w.mixRows(4+r.IntN(8), nil, r.IntN(3))
		spec := sampleSpec{format: "jsonpretty", fields: pick(r, fieldSets), phone: r.IntN(6)}
		p := &Post{Site: "paste", Title: pick(r, []string{"users.json", "export_customers", "mongo dump"}), Author: "Guest",
			Msgs: []Msg{{Blocks: []Block{g.sampleBlock(spec, rs)}}}}
		p.Expect = critical(countRows(rs))
		return p
	}},
	// ---------------------------------------------------------------- high
	{"sale-unverified", 10, func(g *gen, i int) *Post {
		// A sale naming us, nothing to verify.
		r := g.r
		_, ntext := fmtCount(r)
		texts := []string{
			"Selling %s customer database, %s records: names, SSN, DOB, DL, IMEI. %s. Sample on request to serious buyers.",
			"Have the %s subscriber db (%s). %s firm. DM me, escrow ok.",
			"WTS %s customer data, %s rows, got it from an insider. %s, middleman accepted.",
			"%s customer db for sale, %s records, %s. No samples in public.",
		}
		p := &Post{Site: g.site(), Prefix: pick(r, []string{"SELLING", "WTS", ""}), Title: fmt.Sprintf("%s %s", g.nameForTitle(), ntext),
			Msgs: append([]Msg{{Author: g.seller(), Blocks: append([]Block{para(pick(r, texts), g.ours(), ntext, g.price())}, g.contact()...)}}, g.replies(r.IntN(4))...)}
		p.Expect = high(nil)
		p.Expect.Records = ntext
		return p
	}},
	{"sale-fabricated", 6, func(g *gen, i int) *Post {
		// A sale naming us with an invented sample: some birth dates and
		// ZIP codes are our customers' by chance, nothing else.
		r := g.r
		var rs []row
		for range 8 + r.IntN(10) {
			s := g.w.Stranger()
			c := g.w.Customer()
			s.DOB = c.DOB // shared by chance
			if r.IntN(2) == 0 {
				s.ZIP = c.ZIP
			}
			rs = append(rs, row{p: s})
		}
		spec := sampleSpec{fields: []string{"name", "email", "phone", "dob", "zip"}, format: pick(r, []string{"csv", "pipe", "tsv"}), phone: r.IntN(6)}
		c := countRows(rs)
		p := &Post{Site: g.forum(), Prefix: "SELLING", Title: fmt.Sprintf("%s customers %s", g.nameForTitle(), pick(r, []string{"2026", "fresh", "full"})),
			Msgs: []Msg{{Author: g.seller(), Blocks: []Block{para("Selling %s customer db. %s. Sample:", g.ours(), g.price()), g.sampleBlock(spec, rs)}}}}
		p.Expect = high(&c)
		return p
	}},
	{"free-claim-link", 4, func(g *gen, i int) *Post {
		r := g.r
		p := &Post{Site: g.forum(), Prefix: pick(r, []string{"LEAK", "FREE"}), Title: g.nameForTitle() + " customer database",
			Msgs: []Msg{{Author: g.seller(), Blocks: []Block{para("%s customer database leaked, free download for everyone. Link: hxxp://files.example/%x (password: forum name). Enjoy.", g.ours(), r.Uint32())}}}}
		p.Expect = high(nil)
		return p
	}},
	{"russian-claim", 4, func(g *gen, i int) *Post {
		r := g.r
		m := r.IntN(40) + 2
		p := &Post{Site: g.forum(), Prefix: "Продажа", Title: fmt.Sprintf("База абонентов %s", g.nameForTitle()),
			Msgs: []Msg{{Author: g.seller(), Blocks: []Block{para("Продаю базу абонентов %s, %d млн записей. Цена %s. Гарант форума, пиши в лс.", g.ours(), m, g.price())}}}}
		p.Expect = high(nil)
		p.Expect.Records = fmt.Sprintf("%d млн", m)
		return p
	}},
	{"few-records", 4, func(g *gen, i int) *Post {
		// A handful of our customers' full records, no sale words.
		r := g.r
		rs := g.w.mixRows(2, nil, r.IntN(2))
		spec := sampleSpec{format: "kv", fields: []string{"name", "email", "phone", "ssn", "address"}, phone: r.IntN(6)}
		p := &Post{Site: "paste", Title: pick(r, []string{"notes", "for jay", "lookup results"}), Author: "Guest",
			Msgs: []Msg{{Blocks: []Block{para("lookups from the portal:"), g.sampleBlock(spec, rs)}}}}
		c := countRows(rs)
		p.Expect = high(&c)
		return p
	}},
	{"buyer-noise", 5, func(g *gen, i int) *Post {
		// The count and the price are the seller's; the buyers' numbers
		// are not.
		r := g.r
		_, ntext := fmtCount(r)
		seller := g.seller()
		msgs := []Msg{{Author: seller, Blocks: []Block{para("Selling %s customer DB, %s records with SSN and DOB. %s, escrow ok.", g.ours(), ntext, g.price())}}}
		msgs = append(msgs, Msg{Author: g.buyer(), Blocks: []Block{para("escrow or gtfo. 100K records for 0.5 btc and I'm in")}})
		msgs = append(msgs, Msg{Author: g.buyer(), Blocks: []Block{para("I heard there are 250 million in the full thing, selling soon?")}})
		p := &Post{Site: g.forum(), Prefix: "WTS", Title: g.nameForTitle() + " customer db", Msgs: msgs}
		p.Expect = high(nil)
		p.Expect.Records = ntext
		return p
	}},
	// ---------------------------------------------------------------- no alert
	{"other-sale", 14, func(g *gen, i int) *Post {
		// Another company's sale, with a sample of strangers.
		r := g.r
		co := pick(r, otherCompanies)
		rs := g.w.mixRows(0, nil, 6+r.IntN(10))
		spec := randomSpec(r)
		_, ntext := fmtCount(r)
		p := &Post{Site: g.site(), Prefix: pick(r, []string{"SELLING", "WTS", ""}), Title: fmt.Sprintf("%s %s customers, %s", co, ntext, pick(r, []string{"SSN", "fullz", "emails+phones"})),
			Msgs: append([]Msg{{Author: g.seller(), Blocks: append([]Block{para("Selling %s customer database, %s records. %s, escrow.", co, ntext, g.price()),
				g.sampleBlock(spec, rs)}, g.contact()...)}}, g.replies(r.IntN(3))...)}
		p.Expect = atMost(leak.SeverityNone, true, "another company's sale")
		return p
	}},
	{"other-sale-passing", 7, func(g *gen, i int) *Post {
		// Another company's sale that names us in passing.
		r := g.r
		co := pick(r, otherCompanies)
		_, ntext := fmtCount(r)
		lines := []string{
			"Selling %s customer db, %s records. Bigger than the %s leak last year. %s.",
			"%s full dump for sale (%s). Unlike the %s garbage going around, this is fresh. %s.",
			"Selling the %s database, %s rows, same quality as the %s one I sold in March. %s, escrow.",
		}
		p := &Post{Site: g.site(), Prefix: "SELLING", Title: fmt.Sprintf("%s %s records", co, ntext),
			Msgs: []Msg{{Author: g.seller(), Blocks: []Block{para(pick(r, lines), co, ntext, pick(r, []string{"Halcyon", "Halcyon Wireless", "Halcyon Mobile"}), g.price())}}}}
		p.Expect = atMost(leak.SeverityInfo, true, "another company's sale naming us in passing")
		return p
	}},
	{"collision", 7, func(g *gen, i int) *Post {
		// A company that shares a word of our brand.
		r := g.r
		co := collisions[i%len(collisions)]
		rs := g.w.mixRows(0, nil, 5+r.IntN(8))
		spec := randomSpec(r)
		_, ntext := fmtCount(r)
		p := &Post{Site: g.site(), Prefix: "WTS", Title: fmt.Sprintf("%s %s records", co, ntext),
			Msgs: []Msg{{Author: g.seller(), Blocks: []Block{para("Selling %s %s database, %s. %s.", co, pick(r, []string{"patient", "customer", "client", "member"}), ntext, g.price()), g.sampleBlock(spec, rs)}}}}
		p.Expect = atMost(leak.SeverityInfo, true, "a company sharing a word of our brand")
		return p
	}},
	{"news", 7, func(g *gen, i int) *Post {
		// A news discussion about a sale of our data.
		r := g.r
		_, ntext := fmtCount(r)
		texts := []string{
			"According to a report this morning, hackers are selling %s %s customer records on a forum, asking %s. %s says it is investigating.",
			"News: %s confirmed a data breach affecting %s customers. Reportedly the threat actor is selling it for %s. Thoughts?",
			"Someone is selling what they claim is the %s database (%s). Allegedly %s. Is this legit or recycled?",
		}
		name := g.ours()
		t := pick(r, texts)
		var b Block
		if strings.Count(t, "%s") == 4 {
			b = para(t, ntext, name, g.price(), name)
		} else {
			b = para(t, name, ntext, g.price())
		}
		msgs := []Msg{{Author: g.other(), Blocks: []Block{b}}}
		msgs = append(msgs, Msg{Author: g.other(), Blocks: []Block{para("probably the same old dump repackaged")}})
		p := &Post{Site: g.forum(), Prefix: pick(r, []string{"NEWS", "DISCUSSION", ""}), Title: fmt.Sprintf("%s breach - %s records being sold?", g.nameForTitle(), ntext), Msgs: msgs}
		p.Expect = atMost(leak.SeverityInfo, false, "news discussion")
		return p
	}},
	{"complaint", 6, func(g *gen, i int) *Post {
		// A customer posts their own phone or email.
		r := g.r
		c := g.w.Customer()
		texts := []string{
			"%s charged me twice again this month. My number is %s if anyone from their support reads this forum, call me back.",
			"anyone else getting spam calls since the %s outage? my line %s gets 20 a day now",
			"I emailed %s support from %s three times and nobody answered, what a joke",
		}
		t := pick(r, texts)
		v := phoneAs(c.Phone, r.IntN(4), "")
		if strings.Contains(t, "emailed") {
			v = c.Email
		}
		p := &Post{Site: g.forum(), Title: g.nameForTitle() + " support is useless",
			Msgs: []Msg{{Author: g.other(), Blocks: []Block{para(t, g.ours(), v)}}, {Author: g.other(), Blocks: []Block{para("same here, switching carriers")}}}}
		p.Expect = atMost(leak.SeverityInfo, false, "a customer posting their own phone")
		return p
	}},
	{"wtb", 4, func(g *gen, i int) *Post {
		p := &Post{Site: g.forum(), Prefix: "WTB", Title: "WTB " + g.nameForTitle() + " customer db",
			Msgs: []Msg{{Author: g.buyer(), Blocks: []Block{para("Looking for %s customer data, will pay %s for a fresh dump with SSN. Escrow only.", g.ours(), g.price())}}}}
		p.Expect = atMost(leak.SeverityInfo, false, "a request to buy")
		return p
	}},
	{"combo-other", 6, func(g *gen, i int) *Post {
		// A combo list of other domains: nothing of ours.
		r := g.r
		rs := g.w.mixRows(0, nil, 20+r.IntN(30))
		p := &Post{Site: pick(r, []string{"paste", "mybb", "phpbb"}), Prefix: "FREE", Title: pick(r, []string{"100k mixed combo", "fresh hq combolist", "gaming combos private"}),
			Msgs: []Msg{{Author: g.seller(), Blocks: []Block{para("free combo list, mail:pass, enjoy"), g.sampleBlock(sampleSpec{format: "combo"}, rs)}}}}
		p.Expect = atMost(leak.SeverityNone, true, "a combo list of other domains")
		return p
	}},
	{"weak-overlap", 6, func(g *gen, i int) *Post {
		// Another company's dump whose birth dates, ZIPs and names are
		// shared with our customers (never a name with its ZIP), and a
		// canary's birth date among them.
		r := g.r
		co := pick(r, otherCompanies)
		var rs []row
		for k := range 20 + r.IntN(20) {
			s := g.w.Stranger()
			c := g.w.Customer()
			s.DOB = c.DOB
			switch k % 3 {
			case 0:
				s.ZIP = c.ZIP
			case 1:
				s.First = c.First
			case 2:
				s.Last = c.Last
			}
			if k == 3 {
				s.DOB = g.w.CanaryIn(Partitions[i%3]).DOB
			}
			rs = append(rs, row{p: s})
		}
		spec := sampleSpec{fields: []string{"first", "last", "email", "phone", "dob", "zip"}, format: pick(r, []string{"csv", "tsv", "pipe"}), phone: r.IntN(6)}
		p := &Post{Site: g.site(), Prefix: "SELLING", Title: co + " member database",
			Msgs: []Msg{{Author: g.seller(), Blocks: []Block{para("%s members, %s. Sample:", co, g.price()), g.sampleBlock(spec, rs)}}}}
		p.Expect = atMost(leak.SeverityNone, true, "another company's dump sharing weak values")
		return p
	}},
	{"incidental-overlap", 4, func(g *gen, i int) *Post {
		// A big foreign dump that happens to hold two of our customers.
		r := g.r
		co := pick(r, otherCompanies)
		rs := g.w.mixRows(2, nil, 60+r.IntN(40))
		spec := sampleSpec{fields: []string{"name", "email", "phone"}, format: "csv", phone: r.IntN(6)}
		p := &Post{Site: "paste", Title: co + " users export", Author: "Guest",
			Msgs: []Msg{{Blocks: []Block{para("%s users, partial export", co), g.sampleBlock(spec, rs)}}}}
		p.Expect = atMost(leak.SeverityInfo, true, "another company's dump sharing two customers")
		return p
	}},
	{"unnamed-fabricated", 4, func(g *gen, i int) *Post {
		// An unnamed sale with an invented sample whose birth dates match.
		r := g.r
		var rs []row
		for range 10 {
			s := g.w.Stranger()
			s.DOB = g.w.Customer().DOB
			rs = append(rs, row{p: s})
		}
		spec := sampleSpec{fields: []string{"name", "email", "dob"}, format: "csv"}
		p := &Post{Site: g.forum(), Prefix: "SELLING", Title: fmt.Sprintf("%s US bank customers", pick(r, []string{"2M", "800k", "5kk"})),
			Msgs: []Msg{{Author: g.seller(), Blocks: []Block{para("Selling bank customer records, %s. Sample:", g.price()), g.sampleBlock(spec, rs)}}}}
		p.Expect = atMost(leak.SeverityInfo, true, "a fabricated sample, no company of ours")
		return p
	}},
	{"profile-fit", 4, func(g *gen, i int) *Post {
		// A sale naming nobody that fits our profile, nothing verifiable.
		r := g.r
		p := &Post{Site: g.forum(), Prefix: "WTS", Title: fmt.Sprintf("US carrier %s subscribers", pick(r, []string{"60M", "45M", "70 million"})),
			Msgs: []Msg{{Author: g.seller(), Blocks: []Block{para("Major US carrier, wireless provider, subscriber db with SSN, DOB, IMEI. %s. Escrow.", g.price())}}}}
		p.Expect = atMost(leak.SeverityInfo, false, "an unnamed sale fitting our profile")
		return p
	}},
	{"benign", 10, func(g *gen, i int) *Post {
		r := g.r
		texts := [][]string{
			{"nginx keeps dropping connections after 1024 workers, config below", "worker_connections 4096;\nkeepalive_timeout 65;\nlisten 8080;"},
			{"Halcyon days of 2019 when dumps were cheap, miss them", ""},
			{"my server logs since the update", "2026-11-20 10:00:01 pid=31337 port=44321 status=200 bytes=5123\n2026-11-20 10:00:02 pid=31338 port=44322 status=404 bytes=120"},
			{"price list for vps: 5 USD / month, 2 cores, 4096 MB", ""},
			{"order #4155550182 shipped, tracking 1Z999AA10123456784", ""},
			{"anyone have a good tutorial on sql injection for a ctf? 2026 edition", ""},
			{"math homework: 312 + 555 + 148 = 1015", ""},
		}
		t := pick(r, texts)
		bs := []Block{para("%s", t[0])}
		if t[1] != "" {
			bs = append(bs, Block{Code: strings.Split(t[1], "\n")})
		}
		p := &Post{Site: g.site(), Title: pick(r, []string{"help pls", "random", "question", "misc"}), Msgs: []Msg{{Author: g.other(), Blocks: bs}}}
		p.Expect = atMost(leak.SeverityNone, false, "benign")
		return p
	}},
	{"quoted-sale", 5, func(g *gen, i int) *Post {
		// A discussion quoting someone's sale post naming us.
		r := g.r
		_, ntext := fmtCount(r)
		q := &Msg{Author: g.seller(), Blocks: []Block{para("Selling %s customer database, %s records, %s, escrow ok", g.ours(), ntext, g.price())}}
		p := &Post{Site: g.forum(), Title: "is this " + g.nameForTitle() + " thing real?",
			Msgs: []Msg{{Author: g.other(), Blocks: []Block{{Quote: q}, para("saw this on another board. anyone know if it is legit?")}},
				{Author: g.other(), Blocks: []Block{para("looks like a scam to me")}}}}
		p.Expect = atMost(leak.SeverityInfo, false, "a quoted sale in a discussion")
		return p
	}},
	{"repack-other", 4, func(g *gen, i int) *Post {
		r := g.r
		rs := g.w.mixRows(0, nil, 15)
		p := &Post{Site: g.site(), Prefix: "FREE", Title: pick(r, []string{"Collection #9 repack", "old public dumps repack 2019", "antipublic mix"}),
			Msgs: []Msg{{Author: g.seller(), Blocks: []Block{para("old public leaks repacked, free, enjoy"), g.sampleBlock(randomSpec(r), rs)}}}}
		p.Expect = atMost(leak.SeverityNone, true, "a repack of other public dumps")
		return p
	}},
	{"employee-emails", 4, func(g *gen, i int) *Post {
		// Another company's dump in which some people use an address at our
		// domain: our domain, not our data.
		r := g.r
		co := pick(r, otherCompanies)
		rs := g.w.mixRows(0, nil, 10+r.IntN(10))
		for k := range rs {
			if k%3 == 0 {
				rs[k].p.Email = strings.ToLower(rs[k].p.First[:1]+rs[k].p.Last) + "@halcyonwireless.com"
			}
		}
		spec := sampleSpec{fields: []string{"name", "email", "phone"}, format: pick(r, []string{"csv", "pipe"}), phone: r.IntN(6)}
		p := &Post{Site: g.site(), Prefix: "SELLING", Title: co + " vendor portal users",
			Msgs: []Msg{{Author: g.seller(), Blocks: []Block{para("Selling %s vendor portal accounts, %s. Sample:", co, g.price()), g.sampleBlock(spec, rs)}}}}
		p.Expect = atMost(leak.SeverityInfo, true, "another company's dump with addresses at our domain")
		return p
	}},
	{"other-sale-reply-mention", 4, func(g *gen, i int) *Post {
		r := g.r
		co := pick(r, otherCompanies)
		rs := g.w.mixRows(0, nil, 8)
		p := &Post{Site: g.forum(), Prefix: "WTS", Title: co + " customers",
			Msgs: []Msg{{Author: g.seller(), Blocks: []Block{para("Selling %s customer database. %s. Sample:", co, g.price()), g.sampleBlock(randomSpec(r), rs)}},
				{Author: g.buyer(), Blocks: []Block{para("got any Halcyon Wireless stuff too?")}}}}
		p.Expect = atMost(leak.SeverityInfo, true, "another company's sale, our name in a reply")
		return p
	}},
	{"russian-other", 4, func(g *gen, i int) *Post {
		r := g.r
		co := pick(r, otherCompanies)
		rs := g.w.mixRows(0, nil, 8)
		p := &Post{Site: g.forum(), Prefix: "Продажа", Title: "База " + co,
			Msgs: []Msg{{Author: g.seller(), Blocks: []Block{para("Продаю базу клиентов %s, %d млн записей. Цена %s.", co, r.IntN(20)+1, g.price()), g.sampleBlock(randomSpec(r), rs)}}}}
		p.Expect = atMost(leak.SeverityNone, true, "another company's sale in Russian")
		return p
	}},
}

// remember keeps a post's sample rows for a family that reposts them.
func (g *gen) remember(name string, rs []row) {
	if g.named == nil {
		g.named, g.saved = map[string]string{}, map[string][]row{}
	}
	g.named[name] = name + "-1"
	g.saved[name] = rs
}

func sortStrings(s []string) { sort.Strings(s) }
