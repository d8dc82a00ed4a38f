package alerts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"leakwatch/leak"
)

// SlackOptions configure a Slack sender. Exactly one of WebhookURL and
// BotToken is used; BotToken needs Channel.
type SlackOptions struct {
	WebhookURL string
	BotToken   string
	// Channel gets every message no other channel is set for.
	Channel string
	// CriticalChannel, InfoChannel and OperatorChannel, if set, route
	// critical alerts, info alerts and digests, and operator alerts (bot
	// token mode; a webhook posts where it was made for).
	CriticalChannel, InfoChannel, OperatorChannel string
	// Commands writes the commands messages suggest.
	Commands Commands
	// CriticalMention is put before a critical alert: "here", "channel",
	// or a user group id ("S0123ABCD").
	CriticalMention string
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
	if m := opts.CriticalMention; m != "" && m != "here" && m != "channel" && !validGroupID(m) {
		return nil, fmt.Errorf("slack: critical mention %q: want here, channel or a user group id (S...)", m)
	}
	return s, nil
}

func validGroupID(s string) bool {
	if len(s) < 2 || s[0] != 'S' {
		return false
	}
	for _, c := range s[1:] {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// Channel is where a message goes: an update to its thread's channel,
// otherwise by kind and severity.
func (s *Slack) Channel(o Outgoing) string {
	if s.api == nil {
		return "webhook"
	}
	if o.Root != nil {
		if ch, _, ok := strings.Cut(o.Root.Ref, "/"); ok {
			return ch
		}
	}
	or := func(ch string) string {
		if ch != "" {
			return ch
		}
		return s.opts.Channel
	}
	switch {
	case o.Alert.Kind == leak.AlertOperator:
		return or(s.opts.OperatorChannel)
	case o.Kind == MessageDigest:
		return or(s.opts.InfoChannel)
	case severityOf(o) >= leak.SeverityCritical:
		return or(s.opts.CriticalChannel)
	case severityOf(o) <= leak.SeverityInfo && o.Alert.Kind == leak.AlertLeak:
		return or(s.opts.InfoChannel)
	}
	return s.opts.Channel
}

// severityOf is the highest severity a message carries.
func severityOf(o Outgoing) leak.Severity {
	sev := o.Alert.Hit.Evidence.Severity
	for _, a := range o.Also {
		sev = max(sev, a.Hit.Evidence.Severity)
	}
	return sev
}

// mention is the Slack mention a message opens with, if any: critical
// leaks (new, or an update that raises a leak to critical) only.
func (s *Slack) mention(o Outgoing) string {
	if s.opts.CriticalMention == "" || o.Alert.Kind != leak.AlertLeak || severityOf(o) < leak.SeverityCritical {
		return ""
	}
	if o.Kind == MessageUpdate && !o.Raise {
		return ""
	}
	switch s.opts.CriticalMention {
	case "here", "channel":
		return "<!" + s.opts.CriticalMention + ">"
	}
	return "<!subteam^" + s.opts.CriticalMention + ">"
}

// metadataType marks leakwatch's messages in Slack, so that a delivery
// cut short can be looked up.
const metadataType = "leakwatch_alert"

func metadata(o Outgoing) slack.SlackMetadata {
	ids := make([]string, 0, 1+len(o.Also))
	for _, id := range o.IDs() {
		ids = append(ids, strconv.FormatUint(id, 10))
	}
	return slack.SlackMetadata{EventType: metadataType, EventPayload: map[string]any{
		"instance": o.Alert.Instance, "alert_ids": strings.Join(ids, ","),
	}}
}

// Send posts the message: to a webhook, or with the bot token to its
// channel (an update as a reply in its thread, editing the root in place
// when it raises the severity), with metadata naming its alerts.
func (s *Slack) Send(ctx context.Context, o Outgoing) (string, error) {
	m := Format(o, s.opts.Commands)
	if men := s.mention(o); men != "" {
		m = withMention(m, men)
	}
	if s.api == nil {
		err := slack.PostWebhookCustomHTTPContext(ctx, s.opts.WebhookURL, s.opts.HTTPClient, &slack.WebhookMessage{
			Text: m.Text, Blocks: &slack.Blocks{BlockSet: m.Blocks},
		})
		if err != nil {
			return "", fmt.Errorf("slack webhook: %w", redactURL(err))
		}
		return "webhook", nil
	}
	ch := s.Channel(o)
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...), slack.MsgOptionMetadata(metadata(o))}
	if o.Root != nil {
		_, ts, _ := strings.Cut(o.Root.Ref, "/")
		opts = append(opts, slack.MsgOptionTS(ts))
		if o.Broadcast {
			opts = append(opts, slack.MsgOptionBroadcast())
		}
	}
	ch, ts, err := s.api.PostMessageContext(ctx, ch, opts...)
	if err != nil {
		return "", fmt.Errorf("slack chat.postMessage: %w", err)
	}
	ref := ch + "/" + ts
	if o.Raise && o.Root != nil && !o.Root.Shared {
		// The thread root now shows the higher severity. A failure here
		// leaves the reply, which says the same, and is only logged by
		// the caller through the error-free path: the reply is delivered.
		rch, rts, _ := strings.Cut(o.Root.Ref, "/")
		rm := Format(Outgoing{Kind: MessageAlert, Alert: raisedRoot(*o.Root, o.Alert)}, s.opts.Commands)
		_, _, _, _ = s.api.UpdateMessageContext(ctx, rch, rts, slack.MsgOptionText(rm.Text, false), slack.MsgOptionBlocks(rm.Blocks...))
	}
	return ref, nil
}

// raisedRoot is the root alert as it reads after an update raised it: the
// update's evidence under the root's hit and alert ids.
func raisedRoot(root, update leak.Alert) leak.Alert {
	r := root
	r.Hit.Evidence = update.Hit.Evidence
	r.Shown = update.Hit.Evidence.Severity
	return r
}

// Delivered looks the message up in Slack by its metadata (the channel's
// recent history, or the thread's replies) and returns the alerts found
// delivered: after a crash between posting and recording, nothing is sent
// twice. It reads at most 1,000 messages back from the alert's creation.
func (s *Slack) Delivered(ctx context.Context, o Outgoing) (string, []uint64, error) {
	if s.api == nil {
		return "", nil, ErrCannotConfirm
	}
	ch := s.Channel(o)
	oldest := o.Alert.Created
	for _, a := range o.Also {
		if a.Created.Before(oldest) {
			oldest = a.Created
		}
	}
	from := strconv.FormatInt(oldest.Add(-time.Minute).Unix(), 10) + ".000000"
	want := map[uint64]bool{}
	for _, id := range o.IDs() {
		want[id] = true
	}
	var arrived []uint64
	ref := ""
	cursor := ""
	for range 5 {
		var msgs []slack.Message
		var more bool
		var err error
		if o.Root != nil {
			_, ts, _ := strings.Cut(o.Root.Ref, "/")
			msgs, more, cursor, err = s.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
				ChannelID: ch, Timestamp: ts, Oldest: from, Limit: 200, Cursor: cursor, IncludeAllMetadata: true,
			})
		} else {
			var resp *slack.GetConversationHistoryResponse
			resp, err = s.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
				ChannelID: ch, Oldest: from, Limit: 200, Cursor: cursor, IncludeAllMetadata: true,
			})
			if resp != nil {
				msgs, more, cursor = resp.Messages, resp.HasMore, resp.ResponseMetaData.NextCursor
			}
		}
		if err != nil {
			return "", nil, fmt.Errorf("slack history: %w", err)
		}
		for _, m := range msgs {
			md := m.Metadata
			if md.EventType != metadataType || fmt.Sprint(md.EventPayload["instance"]) != o.Alert.Instance {
				continue
			}
			ids, _ := md.EventPayload["alert_ids"].(string)
			for _, f := range strings.Split(ids, ",") {
				id, err := strconv.ParseUint(f, 10, 64)
				if err == nil && want[id] {
					arrived = append(arrived, id)
					want[id] = false
					ref = ch + "/" + m.Timestamp
				}
			}
		}
		if !more || cursor == "" {
			break
		}
	}
	return ref, arrived, nil
}

// Check asks Slack whether the bot token is accepted (auth.test) and says
// who it is; a webhook cannot be checked without posting.
func (s *Slack) Check(ctx context.Context) (string, error) {
	if s.api == nil {
		return "", ErrCannotConfirm
	}
	r, err := s.api.AuthTestContext(ctx)
	if err != nil {
		return "", fmt.Errorf("slack auth.test: %w", err)
	}
	return fmt.Sprintf("team %s, bot user %s", r.Team, r.User), nil
}

// ErrCannotConfirm is Delivered's answer when the destination cannot be
// asked (an incoming webhook): the alert is sent again, at least once.
var ErrCannotConfirm = errors.New("this destination cannot be asked what it received")

// redactURL drops the URL from net/http errors: a webhook URL is a secret.
func redactURL(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return fmt.Errorf("%s: %w", uerr.Op, uerr.Err)
	}
	return err
}

// Console writes each message, rendered, to W, as the demo shows it.
type Console struct {
	W        io.Writer
	Commands Commands
}

// Send renders the message.
func (c Console) Send(_ context.Context, o Outgoing) (string, error) {
	_, err := io.WriteString(c.W, Render(Format(o, c.Commands))+"\n")
	return "console", err
}

// Multi delivers to every sender in turn; the message counts as sent only
// when all of them took it.
type Multi []Sender

// Send sends to each sender, stopping at the first error.
func (m Multi) Send(ctx context.Context, o Outgoing) (string, error) {
	var refs []string
	for _, s := range m {
		ref, err := s.Send(ctx, o)
		if err != nil {
			return strings.Join(refs, ","), err
		}
		refs = append(refs, ref)
	}
	return strings.Join(refs, ","), nil
}

// DestinationError reports whether Slack refuses the destination itself:
// bad or revoked credentials, a missing or archived channel, a webhook
// that no longer exists. Retrying does not help until an operator fixes
// it; no message gets through meanwhile, so alerts stay queued.
func DestinationError(err error) bool {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		switch se.Err {
		case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
			"no_permission", "missing_scope", "channel_not_found", "not_in_channel", "is_archived",
			"restricted_action", "team_access_not_granted", "ekm_access_denied":
			return true
		}
		return false
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		switch sc.Code {
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusGone:
			return true
		}
	}
	return false
}

// MessageError reports whether Slack refuses this one message for good
// (malformed or too long): other messages still go.
func MessageError(err error) bool {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		switch se.Err {
		case "invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text", "invalid_metadata_format",
			"invalid_metadata_schema", "metadata_too_large", "too_many_attachments", "invalid_arguments":
			return true
		}
		return false
	}
	var sc slack.StatusCodeError
	return errors.As(err, &sc) && sc.Code == http.StatusBadRequest
}

// RetryAfter returns how long Slack asked to wait, if err is a rate limit.
func RetryAfter(err error) (time.Duration, bool) {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return rl.RetryAfter, true
	}
	return 0, false
}
