// Package slackserver is a local Slack API server for tests: it speaks
// chat.postMessage (threads, message metadata), chat.update,
// conversations.history and conversations.replies (with metadata),
// auth.test and incoming webhooks on 127.0.0.1, records what it receives,
// and can be scripted to answer with Slack's failures (429 with
// Retry-After, 5xx, invalid_auth, channel_not_found).
package slackserver
