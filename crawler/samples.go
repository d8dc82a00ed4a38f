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
var linkPattern = regexp.MustCompile(`(?i)\b(?:h[tx*]{2}ps?|fxp)(?:\[:\]|:)//[^\s<>"'` + "`" + `]+`)

// refang undoes the defanging of a URL, or returns "" when what is left
// is not a URL with a host.
func refang(s string) string {
	r := strings.NewReplacer("[.]", ".", "(.)", ".", "{.}", ".", "[dot]", ".", "(dot)", ".", "[:]", ":", "[/]", "/")
	s = r.Replace(s)
	s = strings.TrimRight(s, ".,;:!?)]}")
	low := strings.ToLower(s)
	switch {
	case strings.HasPrefix(low, "hxxps://"), strings.HasPrefix(low, "h**ps://"), strings.HasPrefix(low, "httpss://"):
		s = "https://" + s[8:]
	case strings.HasPrefix(low, "hxxp://"), strings.HasPrefix(low, "h**p://"):
		s = "http://" + s[7:]
	case strings.HasPrefix(low, "https://"), strings.HasPrefix(low, "http://"):
	default:
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Hostname() == "" {
		return ""
	}
	u.Fragment = ""
	return u.String()
}

// Links finds the links in a post's text, defanged ones too, refanged and
// without repeats, in order.
func Links(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range linkPattern.FindAllString(text, 200) {
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
