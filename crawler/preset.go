package crawler

import (
	"fmt"
	"sort"
	"strings"
)

// Presets are the selectors of common forum engines' default themes, so a
// forum on one of them needs only its URL. A source's own selectors
// override a preset field by field (see ForumSelectors.Over).
var Presets = map[string]ForumSelectors{
	// MyBB 1.8: forumdisplay.php / showthread.php.
	"mybb": {
		Thread:     "tr.inline_row",
		Link:       `span[id^="tid_"] a`,
		Prefix:     `div > span > span:not([id^="tid_"]):not(.smalltext)`,
		Author:     ".author a",
		Updated:    ".lastpost",
		Next:       "a.pagination_next",
		Post:       ".post_body",
		PostAuthor: ".author_information .largetext a, .post_author .largetext a, .post_author strong a, .post_author a",
		ThreadNext: "a.pagination_next",
	},
	// XenForo 2: /forums/NAME.N/ and /threads/NAME.N/.
	"xenforo": {
		Thread:     "div.structItem--thread",
		Link:       ".structItem-title a:not(.labelLink)",
		Prefix:     ".structItem-title .label",
		Author:     ".structItem-minor .username",
		Updated:    "time.structItem-latestDate",
		Next:       "a.pageNav-jump--next",
		Post:       "article.message .bbWrapper",
		PostAuthor: "article.message, .message-name .username",
		ThreadNext: "a.pageNav-jump--next",
	},
	// Invision Community (IPS) 4.x default theme: /forum/N-name/ and
	// /topic/N-title/. Its last page keeps a "next" link to itself, marked
	// ipsPagination_inactive.
	"invision": {
		Thread:     "li.ipsDataItem[data-rowid]",
		Link:       ".ipsDataItem_title .ipsType_break a",
		Prefix:     ".ipsDataItem_title .ipsTag_prefix",
		Author:     `.ipsDataItem_meta a[href*="/profile/"]`,
		Updated:    ".ipsDataItem_lastPoster time",
		Next:       "li.ipsPagination_next:not(.ipsPagination_inactive) a",
		Post:       `article.cPost [data-role="commentContent"]`,
		PostAuthor: ".cAuthorPane_author a",
		ThreadNext: "li.ipsPagination_next:not(.ipsPagination_inactive) a",
	},
	// phpBB 3.2/3.3 (prosilver): viewforum.php / viewtopic.php.
	"phpbb": {
		Thread:     "ul.topiclist.topics li.row",
		Link:       "a.topictitle",
		Author:     ".topic-poster a.username, .responsive-hide a.username",
		Updated:    "dd.lastpost time",
		Next:       ".pagination li.next a, a[rel=next]",
		Post:       "div.post .postbody .content",
		PostAuthor: ".postprofile a.username, .postprofile a.username-coloured, .postprofile .username, p.author strong a",
		ThreadNext: ".pagination li.next a, a[rel=next]",
	},
}

// PresetNames lists the presets, sorted.
func PresetNames() []string {
	var n []string
	for k := range Presets {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Preset returns the named preset's selectors.
func Preset(name string) (ForumSelectors, error) {
	p, ok := Presets[strings.ToLower(name)]
	if !ok {
		return ForumSelectors{}, fmt.Errorf("unknown forum preset %q (have %s)", name, strings.Join(PresetNames(), ", "))
	}
	return p, nil
}

// Over returns base with every non-empty field of s put over it.
func (s ForumSelectors) Over(base ForumSelectors) ForumSelectors {
	pick := func(own, def string) string {
		if own != "" {
			return own
		}
		return def
	}
	return ForumSelectors{
		Thread:     pick(s.Thread, base.Thread),
		Link:       pick(s.Link, base.Link),
		Title:      pick(s.Title, base.Title),
		Prefix:     pick(s.Prefix, base.Prefix),
		Author:     pick(s.Author, base.Author),
		Updated:    pick(s.Updated, base.Updated),
		Next:       pick(s.Next, base.Next),
		Post:       pick(s.Post, base.Post),
		PostAuthor: pick(s.PostAuthor, base.PostAuthor),
		ThreadNext: pick(s.ThreadNext, base.ThreadNext),
	}
}
