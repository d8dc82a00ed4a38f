package crawler

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// ErrLoginWall is returned when a page asks for a login instead of showing
// content: the session cookie is missing or expired.
var ErrLoginWall = errors.New("login wall")

// ErrCaptcha is returned when a page is a captcha or an anti-bot front (a
// queue, a browser check, a DDoS filter) instead of content. Its error
// names the front; a person passes it in Tor Browser and refreshes the
// source's cookie file.
var ErrCaptcha = errors.New("captcha or anti-bot page")

// antiBotFront is one kind of page that stands in front of a site: how to
// tell it (lower-case markers in its text or markup) and what to call it.
type antiBotFront struct {
	name    string
	markers []string
}

// antiBotFronts are the fronts onion forums and markets put up, the most
// specific first: Cloudflare's interstitial (clearnet mirrors), DDoS-Guard,
// the EndGame queue that onion markets run, and generic browser checks,
// humanity checks and captchas.
var antiBotFronts = []antiBotFront{
	{"Cloudflare interstitial", []string{"cf-browser-verification", "challenge-platform", "cf_chl_", "cf-challenge", "checking if the site connection is secure", "just a moment..."}},
	{"DDoS-Guard", []string{"ddos-guard", "ddos guard"}},
	{"access queue", []string{"access queue", "you are in a queue", "you are in the queue", "queue position", "your position in the queue", "очередь"}},
	{"humanity check", []string{"humanity check", "are you human", "prove you are human", "i am not a robot", "i'm not a robot"}},
	{"browser check", []string{"verifying your browser", "checking your browser", "browser verification", "проверка браузера"}},
	{"DDoS protection", []string{"ddos protection", "ddos-protection", "anti-ddos", "защита от ddos"}},
	{"captcha", []string{"captcha", "капча", "g-recaptcha", "h-captcha", "hcaptcha"}},
}

// antiBot names the front a page is, or "" when it is none. Only a page's
// first 64 KiB is read: fronts are small, content pages are not.
func antiBot(body []byte) string {
	if len(body) > 64<<10 {
		body = body[:64<<10]
	}
	low := bytes.ToLower(body)
	for _, f := range antiBotFronts {
		for _, m := range f.markers {
			if bytes.Contains(low, []byte(m)) {
				return f.name
			}
		}
	}
	return ""
}

// FrontError is a page that is an anti-bot front, not content; it is
// ErrCaptcha.
type FrontError struct {
	What  string // where it was met ("HTTP 403", "listing selector ... matched nothing")
	Front string // which front: "Cloudflare interstitial", "access queue", ...
}

func (e *FrontError) Error() string {
	return fmt.Sprintf("%s: %v: %s (%s)", e.What, ErrCaptcha, e.Front, FrontAdvice)
}

// Is makes a FrontError ErrCaptcha.
func (e *FrontError) Is(target error) bool { return target == ErrCaptcha }

// FrontAdvice is what a person does about a front.
const FrontAdvice = "a person passes it in Tor Browser, then refreshes the source's cookie_file; cookies.txt is accepted and re-read when it changes"

func frontError(what, front string) error { return &FrontError{What: what, Front: front} }

// whyNoMatch explains a page on which the selectors matched nothing: an
// anti-bot front, a login wall, or (if neither) ErrNoMatch: the site
// changed.
func whyNoMatch(doc *goquery.Document, what, sel string) error {
	if doc != nil {
		html, _ := doc.Html()
		if front := antiBot([]byte(html)); front != "" {
			return frontError(fmt.Sprintf("%s %q matched nothing", what, sel), front)
		}
		if find(doc.Selection, `input[type="password" i]`).Length() > 0 {
			return fmt.Errorf("%s %q matched nothing: %w (a password form)", what, sel, ErrLoginWall)
		}
		if strings.TrimSpace(doc.Text()) == "" {
			return fmt.Errorf("%s %q: %w (an empty page)", what, sel, ErrNoMatch)
		}
	}
	return fmt.Errorf("%s %q: %w", what, sel, ErrNoMatch)
}
