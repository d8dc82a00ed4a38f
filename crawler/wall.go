package crawler

import (
	"errors"
	"fmt"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// ErrLoginWall is returned when a page asks for a login instead of showing
// content: the session cookie is missing or expired.
var ErrLoginWall = errors.New("login wall")

// ErrCaptcha is returned when a page is a captcha or an anti-bot queue
// instead of content.
var ErrCaptcha = errors.New("captcha or anti-bot page")

var captchaMarkers = []string{
	"captcha", "are you human", "i am not a robot", "ddos protection", "ddos-guard",
	"checking your browser", "you are in a queue", "проверка браузера", "капча",
}

// whyNoMatch explains a page on which the selectors matched nothing: a
// login wall, a captcha, or (if neither) ErrNoMatch: the site changed.
func whyNoMatch(doc *goquery.Document, what, sel string) error {
	if doc != nil {
		text := strings.ToLower(doc.Text())
		html, _ := doc.Html()
		html = strings.ToLower(html)
		for _, m := range captchaMarkers {
			if strings.Contains(text, m) || strings.Contains(html, `name="`+m) || strings.Contains(html, `class="`+m) {
				return fmt.Errorf("%s %q matched nothing: %w (marker %q)", what, sel, ErrCaptcha, m)
			}
		}
		if find(doc.Selection, `input[type="password" i]`).Length() > 0 {
			return fmt.Errorf("%s %q matched nothing: %w (a password form)", what, sel, ErrLoginWall)
		}
	}
	return fmt.Errorf("%s %q: %w", what, sel, ErrNoMatch)
}
