package crawler

import (
	"context"
	"net/url"
	"regexp"
	"strings"

	"leakwatch/leak"
)

// MaxSamples is how many linked samples a post gets fetched.
const MaxSamples = 3

// linkPattern finds URLs in text, defanged ones too: hxxp, h**p, [.], (.),
// [dot], {.}, [:] as sellers and reporters write them.
var linkPattern = regexp.MustCompile(`(?i)\bh(?:tt|xx|\*\*)(ps?)(?:\[:\]|:)//[^\s<>"'` + "`" + `]+`)

var refanger = strings.NewReplacer("[.]", ".", "(.)", ".", "{.}", ".", "[dot]", ".", "(dot)", ".", "[:]", ":", "[/]", "/")

// refang undoes the defanging of a link linkPattern found (m: the match
// and its scheme's tail, "p" or "ps"), or returns "" when what is left is
// not a URL with a host.
func refang(m []string) string {
	_, rest, _ := strings.Cut(refanger.Replace(m[0]), "://")
	scheme := "http://"
	if strings.EqualFold(m[1], "ps") {
		scheme = "https://"
	}
	u, err := url.Parse(scheme + strings.TrimRight(rest, ".,;:!?)]}"))
	if err != nil || u.Hostname() == "" {
		return ""
	}
	u.Fragment = ""
	return u.String()
}

// Links finds the links in a post's text, defanged ones too, refanged and
// without repeats, in order. Text without "//" (most messages) costs one
// substring search.
func Links(text string) []string {
	if !strings.Contains(text, "//") {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, m := range linkPattern.FindAllStringSubmatch(text, 200) {
		if u := refang(m); u != "" && !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}

// sellerLinks are the links in the messages of the post's first author
// (the seller), quoted passages left out: a buyer's link or a quoted one
// is not the seller's sample.
func sellerLinks(msgs []leak.Message) []string {
	if len(msgs) == 0 {
		return nil
	}
	seller := msgs[0].Author
	var out []string
	seen := map[string]bool{}
	for _, m := range msgs {
		if m.Author != seller {
			continue
		}
		for _, u := range append(m.Links, Links(leak.Unquoted(m.Body))...) {
			if !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
	return out
}

// samples fetches the links that point at an allowed sample host (at most
// MaxSamples, with the client's caps) and returns them as messages by the
// seller, each opened by the link it came from; links elsewhere are never
// dialled. A sample that cannot be read is left out; the post is not.
func (c *Client) samples(ctx context.Context, seller string, links []string) (msgs []leak.Message, fetched []string, truncated bool) {
	for _, raw := range links {
		if len(fetched) == MaxSamples {
			break
		}
		u, err := url.Parse(raw)
		if err != nil || !c.sampleAllowed(u) {
			continue
		}
		p, err := c.Get(ctx, raw)
		if err != nil {
			continue
		}
		text, _ := pasteText(p.Body, p.ContentType)
		truncated = truncated || p.Truncated
		fetched = append(fetched, raw)
		msgs = append(msgs, leak.Message{Author: seller, Body: "linked sample " + raw + "\n" + text})
	}
	return msgs, fetched, truncated
}

// sampleAllowed: u is on a host the source may fetch samples from.
func (c *Client) sampleAllowed(u *url.URL) bool {
	return (u.Scheme == "http" || u.Scheme == "https") && c.sampleHosts[hostPort(u.Hostname(), urlPort(u))]
}
