package alerts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/slack-go/slack"

	"leakwatch/leak"
)

// Sender delivers one alert and returns where it went (e.g. channel and
// message ts). Implementations must be safe for concurrent use.
type Sender interface {
	Send(ctx context.Context, a leak.Alert) (ref string, err error)
}

// Confirmer is a Sender that can tell whether an alert already arrived:
// the dispatcher asks it about an alert whose delivery a crash cut short,
// so that the alert is not sent twice.
type Confirmer interface {
	Delivered(ctx context.Context, a leak.Alert) (ref string, found bool, err error)
}

// SlackOptions configure a Slack sender. Exactly one of WebhookURL and
// BotToken is used; BotToken needs Channel.
type SlackOptions struct {
	WebhookURL string
	BotToken   string
	Channel    string
	// APIURL overrides Slack's API base URL (tests point it at a local
	// server). It must end in "/".
	APIURL string
	// HTTPClient is Slack's own clearnet (or egress-proxy) client; nil gets a
	// client with a 30 s timeout.
	HTTPClient *http.Client
}

// Slack sends alerts to Slack by incoming webhook or chat.postMessage.
type Slack struct {
	opts SlackOptions
	api  *slack.Client
}

// NewSlack returns a Slack sender.
func NewSlack(opts SlackOptions) (*Slack, error) {
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	s := &Slack{opts: opts}
	switch {
	case opts.WebhookURL != "":
	case opts.BotToken != "":
		if opts.Channel == "" {
			return nil, errors.New("slack: a bot token needs a channel")
		}
		o := []slack.Option{slack.OptionHTTPClient(opts.HTTPClient)}
		if opts.APIURL != "" {
			o = append(o, slack.OptionAPIURL(opts.APIURL))
		}
		s.api = slack.New(opts.BotToken, o...)
	default:
		return nil, errors.New("slack: neither a webhook URL nor a bot token")
	}
	return s, nil
}

// Send posts the alert's message.
func (s *Slack) Send(ctx context.Context, a leak.Alert) (string, error) {
	m := Format(a)
	if s.api == nil {
		err := slack.PostWebhookCustomHTTPContext(ctx, s.opts.WebhookURL, s.opts.HTTPClient, &slack.WebhookMessage{
			Text: m.Text, Blocks: &slack.Blocks{BlockSet: m.Blocks},
		})
		if err != nil {
			return "", fmt.Errorf("slack webhook: %w", redactURL(err))
		}
		return "webhook", nil
	}
	ch, ts, err := s.api.PostMessageContext(ctx, s.opts.Channel,
		slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...))
	if err != nil {
		return "", fmt.Errorf("slack chat.postMessage: %w", err)
	}
	return ch + "/" + ts, nil
}

// redactURL drops the URL from net/http errors: a webhook URL is a secret.
func redactURL(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return fmt.Errorf("%s: %w", uerr.Op, uerr.Err)
	}
	return err
}

// Console writes each alert's rendered message to W, as the demo shows it.
type Console struct {
	W io.Writer
}

// Send renders the alert.
func (c Console) Send(_ context.Context, a leak.Alert) (string, error) {
	_, err := io.WriteString(c.W, Render(Format(a))+"\n")
	return "console", err
}

// Multi delivers to every sender in turn; the alert counts as sent only
// when all of them took it.
type Multi []Sender

// Send sends to each sender, stopping at the first error.
func (m Multi) Send(ctx context.Context, a leak.Alert) (string, error) {
	var refs string
	for i, s := range m {
		ref, err := s.Send(ctx, a)
		if err != nil {
			return refs, err
		}
		if i > 0 {
			refs += ","
		}
		refs += ref
	}
	return refs, nil
}

// Permanent reports whether a Slack error will not go away by retrying:
// bad or revoked credentials, a missing channel, a malformed message, a
// webhook that no longer exists.
func Permanent(err error) bool {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		switch se.Err {
		case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
			"no_permission", "missing_scope", "channel_not_found", "not_in_channel", "is_archived",
			"invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text", "restricted_action":
			return true
		}
		return false
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		switch sc.Code {
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusGone:
			return true
		}
	}
	return false
}

// RetryAfter returns how long Slack asked to wait, if err is a rate limit.
func RetryAfter(err error) (time.Duration, bool) {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return rl.RetryAfter, true
	}
	return 0, false
}
