package verdict

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"leakwatch/crawler"
)

// The sites serve the posts as MyBB 1.8, XenForo 2 and phpBB 3.3 boards
// (default themes' markup, as the crawler's presets read them) and a paste
// site, each under its own onion name.

// Sites are the corpus served over HTTP.
type Sites struct {
	c     *Corpus
	Hosts map[string]string // site -> onion host
	ids   map[*Post]int
	keys  map[*Post]string
	bySit map[string][]*Post
}

// perPage is how many threads a listing page shows; msgsPerPage how many
// posts a thread page does.
const (
	perPage     = 20
	msgsPerPage = 4
)

// NewSites lays the corpus out on its sites.
func NewSites(c *Corpus) *Sites {
	s := &Sites{c: c, Hosts: map[string]string{}, ids: map[*Post]int{}, keys: map[*Post]string{}, bySit: map[string][]*Post{}}
	for _, site := range []string{"mybb", "xenforo", "phpbb", "paste"} {
		seed := sha256.Sum256([]byte("leakwatch verdict site " + site))
		s.Hosts[site] = crawler.OnionAddress(ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey))
	}
	for i, p := range c.Posts {
		s.ids[p] = 7000 + i
		s.keys[p] = fmt.Sprintf("p%05x", 0x3a000+i*37)
		s.bySit[p.Site] = append(s.bySit[p.Site], p)
	}
	return s
}

// Sources are the crawler sources that read the sites.
func (s *Sites) Sources() []crawler.Source {
	var out []crawler.Source
	for _, name := range []string{"mybb", "xenforo", "phpbb"} {
		sel, _ := crawler.Preset(name)
		u := map[string]string{
			"mybb":    "/forumdisplay.php?fid=7",
			"xenforo": "/forums/databases.7/",
			"phpbb":   "/viewforum.php?f=7",
		}[name]
		out = append(out, crawler.Source{Name: name + "-board", Kind: crawler.KindForum, URLs: []string{"http://" + s.Hosts[name] + u},
			MaxPages: 50, MaxThreadPages: 10, Forum: sel})
	}
	out = append(out, crawler.Source{Name: "pastesite", Kind: crawler.KindPaste, URLs: []string{"http://" + s.Hosts["paste"] + "/archive"},
		MaxPages: 1, Paste: crawler.PasteSelectors{Item: "table.archive tr", Link: "a", Posted: "td.date", Raw: "http://" + s.Hosts["paste"] + "/raw/{key}"}})
	return out
}

// Lookup finds the post a hit is about, by source and key.
func (s *Sites) Lookup(source, key string) *Post {
	for _, p := range s.c.Posts {
		if s.sourceOf(p) == source && s.keyOf(p) == key {
			return p
		}
	}
	return nil
}

func (s *Sites) sourceOf(p *Post) string {
	if p.Site == "paste" {
		return "pastesite"
	}
	return p.Site + "-board"
}

// keyOf is the crawler's key for a post: the thread path (and query), or
// the paste key.
func (s *Sites) keyOf(p *Post) string {
	id := s.ids[p]
	switch p.Site {
	case "mybb":
		return "/showthread.php?tid=" + strconv.Itoa(id)
	case "xenforo":
		return fmt.Sprintf("/threads/%s.%d/", slug(p.Title), id)
	case "phpbb":
		return "/viewtopic.php?t=" + strconv.Itoa(id)
	}
	return s.keys[p]
}

func slug(t string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(t) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b.WriteRune(c)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
		if b.Len() > 40 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

var posted = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// ServeHTTP serves every site, by Host.
func (s *Sites) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host := strings.ToLower(strings.Split(r.Host, ":")[0])
	site := ""
	for k, h := range s.Hosts {
		if h == host {
			site = k
		}
	}
	var body string
	ok := false
	ctype := "text/html; charset=utf-8"
	q := r.URL.Query()
	page := 1
	switch site {
	case "mybb":
		page, _ = strconv.Atoi(q.Get("page"))
		switch r.URL.Path {
		case "/forumdisplay.php":
			body, ok = s.mybbListing(max(page, 1))
		case "/showthread.php":
			tid, _ := strconv.Atoi(q.Get("tid"))
			body, ok = s.mybbThread(tid, max(page, 1))
		}
	case "xenforo":
		path := r.URL.Path
		if strings.HasPrefix(path, "/forums/databases.7/") {
			if rest := strings.TrimPrefix(path, "/forums/databases.7/"); strings.HasPrefix(rest, "page-") {
				page, _ = strconv.Atoi(strings.TrimPrefix(rest, "page-"))
			}
			body, ok = s.xfListing(max(page, 1))
		} else if strings.HasPrefix(path, "/threads/") {
			rest := strings.TrimPrefix(path, "/threads/")
			seg, pg, _ := strings.Cut(rest, "/")
			if strings.HasPrefix(pg, "page-") {
				page, _ = strconv.Atoi(strings.TrimPrefix(pg, "page-"))
			}
			id, _ := strconv.Atoi(seg[strings.LastIndexByte(seg, '.')+1:])
			body, ok = s.xfThread(id, max(page, 1))
		}
	case "phpbb":
		start, _ := strconv.Atoi(q.Get("start"))
		switch r.URL.Path {
		case "/viewforum.php":
			body, ok = s.phpbbListing(start/perPage + 1)
		case "/viewtopic.php":
			t, _ := strconv.Atoi(q.Get("t"))
			body, ok = s.phpbbThread(t, start/msgsPerPage+1)
		}
	case "paste":
		switch {
		case r.URL.Path == "/archive":
			body, ok = s.pasteListing(), true
		case strings.HasPrefix(r.URL.Path, "/raw/"):
			body, ok = s.pasteRaw(strings.TrimPrefix(r.URL.Path, "/raw/"))
			ctype = "text/plain; charset=utf-8"
		}
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ctype)
	_, _ = w.Write([]byte(body))
}

func (s *Sites) byID(site string, id int) *Post {
	for _, p := range s.bySit[site] {
		if s.ids[p] == id {
			return p
		}
	}
	return nil
}

func listPage(ps []*Post, page int) ([]*Post, int, bool) {
	pages := (len(ps) + perPage - 1) / perPage
	if page < 1 || page > max(pages, 1) {
		return nil, pages, false
	}
	return ps[(page-1)*perPage : min(page*perPage, len(ps))], pages, true
}

func msgPage(p *Post, page int) ([]Msg, int, bool) {
	pages := (len(p.Msgs) + msgsPerPage - 1) / msgsPerPage
	if page < 1 || page > pages {
		return nil, pages, false
	}
	return p.Msgs[(page-1)*msgsPerPage : min(page*msgsPerPage, len(p.Msgs))], pages, true
}

func h(s string) string { return esc(s) }

// ---------------------------------------------------------------- MyBB

func (s *Sites) mybbListing(page int) (string, bool) {
	ps, pages, ok := listPage(s.bySit["mybb"], page)
	if !ok {
		return "", false
	}
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xml:lang="en" lang="en" xmlns="http://www.w3.org/1999/xhtml"><head><title>Databases</title><meta http-equiv="Content-Type" content="text/html; charset=UTF-8" /></head>
<body><div id="container"><div id="content"><div class="wrapper">
<div class="navigation"><a href="index.php">Forum</a> &rsaquo; <span class="active">Databases</span></div>
<div class="float_right"><div class="pagination"><span class="pages">Pages (` + strconv.Itoa(pages) + `):</span>`)
	if page < pages {
		fmt.Fprintf(&b, ` <a href="forumdisplay.php?fid=7&amp;page=%d" class="pagination_next">Next &raquo;</a>`, page+1)
	}
	b.WriteString(`</div></div>
<table border="0" cellspacing="0" cellpadding="5" class="tborder clear"><tr><td class="thead" colspan="6"><div><strong>Databases</strong></div></td></tr>
`)
	for i, p := range ps {
		id := s.ids[p]
		prefix := ""
		if p.Prefix != "" {
			prefix = `<span style="color: #ff0000;">[` + h(p.Prefix) + `]</span>&nbsp;`
		}
		fmt.Fprintf(&b, `<tr class="inline_row">
	<td align="center" class="trow%d forumdisplay_regular" width="2%%"><span class="thread_status folder">&nbsp;</span></td>
	<td class="trow%d forumdisplay_regular"><div>
		<span> %s<span class=" subject_new" id="tid_%d"><a href="showthread.php?tid=%d">%s</a></span></span>
		<div class="author smalltext"><a href="member.php?action=profile&amp;uid=%d">%s</a></div>
	</div></td>
	<td align="center" class="trow%d forumdisplay_regular"><a href="javascript:MyBB.whoPosted(%d);">%d</a></td>
	<td class="trow%d forumdisplay_regular" style="white-space: nowrap; text-align: right;"><span class="lastpost smalltext">%s<br /><a href="showthread.php?tid=%d&amp;action=lastpost">Last Post</a>: <a href="member.php">%s</a></span></td>
</tr>
`, i%2+1, i%2+1, prefix, id, id, h(p.Title), 1000+id, h(p.Author), i%2+1, id, len(p.Msgs)-1, i%2+1,
			posted.Add(time.Duration(id)*time.Minute).Format("01-02-2006, 03:04 PM"), id, h(p.Msgs[len(p.Msgs)-1].Author))
	}
	b.WriteString("</table>\n</div></div></div></body></html>\n")
	return b.String(), true
}

func (s *Sites) mybbThread(tid, page int) (string, bool) {
	p := s.byID("mybb", tid)
	if p == nil {
		return "", false
	}
	ms, pages, ok := msgPage(p, page)
	if !ok {
		return "", false
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html><head><title>%s</title></head><body><div id="container"><div id="content"><div class="wrapper">
<div class="float_left"><div class="pagination">`, h(p.Title))
	if page < pages {
		fmt.Fprintf(&b, `<a href="showthread.php?tid=%d&amp;page=%d" class="pagination_next">Next &raquo;</a>`, tid, page+1)
	}
	fmt.Fprintf(&b, `</div></div>
<table border="0" cellspacing="0" cellpadding="5" class="tborder tfixed clear"><tr><td class="thead"><div><strong>%s</strong></div></td></tr></table>
<div id="posts">
`, h(p.Title))
	for k, m := range ms {
		pid := tid*100 + (page-1)*msgsPerPage + k
		fmt.Fprintf(&b, `<a name="pid%d" id="pid%d"></a>
<div class="post " style="" id="post_%d">
<div class="post_author"><div class="author_avatar"><a href="member.php?action=profile&amp;uid=7"><img src="images/default_avatar.png" alt="" /></a></div>
<div class="author_information"><strong><span class="largetext"><a href="member.php?action=profile&amp;uid=7">%s</a></span></strong><br /><span class="smalltext">Member<br /></span></div></div>
<div class="post_content"><div class="post_head"><span class="post_date">%s</span></div>
<div class="post_body scaleimages" id="pid_%d">
%s
</div></div></div>
`, pid, pid, pid, h(m.Author), posted.Format("01-02-2006, 03:04 PM"), pid, renderBlocks("mybb", m.Blocks))
	}
	b.WriteString("</div>\n</div></div></div></body></html>\n")
	return b.String(), true
}

// ---------------------------------------------------------------- XenForo

func (s *Sites) xfListing(page int) (string, bool) {
	ps, pages, ok := listPage(s.bySit["xenforo"], page)
	if !ok {
		return "", false
	}
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html>
<html id="XF" lang="en-US" dir="LTR" data-app="public" data-template="forum_view"><head><meta charset="utf-8" /><title>Databases | LeakZone</title></head>
<body data-template="forum_view"><div class="p-body-pageContent"><div class="block" data-type="thread">
<div class="block-outer"><div class="block-outer-main"><nav class="pageNavWrapper pageNavWrapper--mixed"><div class="pageNav  ">`)
	if page < pages {
		fmt.Fprintf(&b, `<a href="/forums/databases.7/page-%d" class="pageNav-jump pageNav-jump--next">Next</a>`, page+1)
	}
	b.WriteString(`</div></nav></div></div>
<div class="block-container"><div class="block-body"><div class="structItemContainer"><div class="structItemContainer-group js-threadList">
`)
	for _, p := range ps {
		id := s.ids[p]
		label := ""
		if p.Prefix != "" {
			label = `<a href="/forums/databases.7/?prefix_id=3" class="labelLink" rel="nofollow"><span class="label label--red" dir="auto">` + h(p.Prefix) + `</span></a>`
		}
		t := posted.Add(time.Duration(id) * time.Minute)
		fmt.Fprintf(&b, `<div class="structItem structItem--thread js-inlineModContainer js-threadListItem-%d" data-author="%s">
	<div class="structItem-cell structItem-cell--main" data-xf-init="touch-proxy">
		<div class="structItem-title">%s
			<a href="/threads/%s.%d/" class="" data-tp-primary="on" data-xf-init="preview-tooltip">%s</a>
		</div>
		<div class="structItem-minor"><ul class="structItem-parts"><li><a href="/members/u.%d/" class="username " dir="auto">%s</a></li></ul></div>
	</div>
	<div class="structItem-cell structItem-cell--latest">
		<a href="/threads/%s.%d/latest" rel="nofollow"><time class="structItem-latestDate u-dt" dir="auto" datetime="%s" data-time="%d">%s</time></a>
	</div>
</div>
`, id, h(p.Author), label, slug(p.Title), id, h(p.Title), id, h(p.Author), slug(p.Title), id, t.Format("2006-01-02T15:04:05-0700"), t.Unix(), t.Format("Jan 2, 2006"))
	}
	b.WriteString("</div></div></div></div></div></div></body></html>\n")
	return b.String(), true
}

func (s *Sites) xfThread(id, page int) (string, bool) {
	p := s.byID("xenforo", id)
	if p == nil {
		return "", false
	}
	ms, pages, ok := msgPage(p, page)
	if !ok {
		return "", false
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html id="XF" lang="en-US" data-template="thread_view"><head><meta charset="utf-8" /><title>%s | LeakZone</title></head>
<body><div class="p-body-header"><h1 class="p-title-value">%s</h1></div>
<div class="block-outer"><div class="pageNav  ">`, h(p.Title), h(p.Title))
	if page < pages {
		fmt.Fprintf(&b, `<a href="/threads/%s.%d/page-%d" class="pageNav-jump pageNav-jump--next">Next</a>`, slug(p.Title), id, page+1)
	}
	b.WriteString(`</div></div>
<div class="block-body js-replyNewMessageContainer">
`)
	for k, m := range ms {
		pid := id*100 + (page-1)*msgsPerPage + k
		fmt.Fprintf(&b, `<article class="message message--post js-post js-inlineModContainer  " data-author="%s" data-content="post-%d" id="js-post-%d">
	<div class="message-inner">
	<div class="message-cell message-cell--user"><section class="message-user"><h4 class="message-name"><a href="/members/u.7/" class="username " dir="auto">%s</a></h4></section></div>
	<div class="message-cell message-cell--main"><div class="message-main js-quickEditTarget">
		<header class="message-attribution"><ul class="message-attribution-main listInline "><li class="u-concealed"><a href="/threads/x.%d/post-%d"><time class="u-dt" datetime="2026-11-20T10:00:00+0000">Nov 20, 2026</time></a></li></ul></header>
		<div class="message-content js-messageContent"><div class="message-userContent lbContainer js-lbContainer"><article class="message-body js-selectToQuote">
			<div class="bbWrapper">%s</div>
		</article></div></div>
	</div></div></div>
</article>
`, h(m.Author), pid, pid, h(m.Author), id, pid, renderBlocks("xenforo", m.Blocks))
	}
	b.WriteString("</div>\n<script>XF.ready(function(){});</script>\n</body></html>\n")
	return b.String(), true
}

// ---------------------------------------------------------------- phpBB

func (s *Sites) phpbbListing(page int) (string, bool) {
	ps, pages, ok := listPage(s.bySit["phpbb"], page)
	if !ok {
		return "", false
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html dir="ltr" lang="en-gb"><head><meta charset="utf-8" /><title>Databases - ShadowBoard</title></head>
<body id="phpbb" class="nojs notouch section-viewforum ltr "><div id="wrap" class="wrap">
<div class="action-bar bar-top"><div class="pagination">%d topics<ul>`, len(s.bySit["phpbb"]))
	if page < pages {
		fmt.Fprintf(&b, `<li class="arrow next"><a class="button button-icon-only" href="./viewforum.php?f=7&amp;sid=4b1c5e0f&amp;start=%d" rel="next" role="button"><span class="sr-only">Next</span></a></li>`, page*perPage)
	}
	b.WriteString(`</ul></div></div>
<div class="forumbg"><div class="inner"><ul class="topiclist topics">
`)
	for i, p := range ps {
		id := s.ids[p]
		title := p.Title
		if p.Prefix != "" {
			title = "[" + p.Prefix + "] " + title
		}
		t := posted.Add(time.Duration(id) * time.Minute)
		fmt.Fprintf(&b, `<li class="row bg%d"><dl class="row-item topic_read"><dt title="No unread posts"><div class="list-inner">
	<a href="./viewtopic.php?t=%d&amp;sid=4b1c5e0f" class="topictitle">%s</a><br />
	<div class="topic-poster responsive-hide left-box">by <a href="./memberlist.php?mode=viewprofile&amp;u=%d&amp;sid=4b1c5e0f" class="username">%s</a> &raquo; <time datetime="%s">x</time></div>
</div></dt>
<dd class="posts">%d <dfn>Replies</dfn></dd>
<dd class="lastpost"><span><dfn>Last post </dfn>by <a href="./memberlist.php" class="username">%s</a><br /><time datetime="%s">%s</time></span></dd>
</dl></li>
`, i%2+1, id, h(title), id, h(p.Author), t.Format("2006-01-02T15:04:05-07:00"), len(p.Msgs)-1, h(p.Msgs[len(p.Msgs)-1].Author), t.Format("2006-01-02T15:04:05-07:00"), t.Format("Mon Jan 02, 2006 3:04 pm"))
	}
	b.WriteString("</ul></div></div>\n</div></body></html>\n")
	return b.String(), true
}

func (s *Sites) phpbbThread(t, page int) (string, bool) {
	p := s.byID("phpbb", t)
	if p == nil {
		return "", false
	}
	ms, pages, ok := msgPage(p, page)
	if !ok {
		return "", false
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html dir="ltr" lang="en-gb"><head><meta charset="utf-8" /><title>%s - ShadowBoard</title></head>
<body id="phpbb" class="nojs notouch section-viewtopic ltr ">
<h2 class="topic-title"><a href="./viewtopic.php?t=%d&amp;sid=4b1c5e0f">%s</a></h2>
<div class="action-bar bar-top"><div class="pagination"><ul>`, h(p.Title), t, h(p.Title))
	if page < pages {
		fmt.Fprintf(&b, `<li class="arrow next"><a class="button button-icon-only" href="./viewtopic.php?t=%d&amp;sid=4b1c5e0f&amp;start=%d" rel="next" role="button"><span class="sr-only">Next</span></a></li>`, t, page*msgsPerPage)
	}
	b.WriteString("</ul></div></div>\n")
	for k, m := range ms {
		pid := t*100 + (page-1)*msgsPerPage + k
		fmt.Fprintf(&b, `<div id="p%d" class="post has-profile bg%d">
	<div class="inner">
	<dl class="postprofile" id="profile%d"><dt class="has-profile-rank no-avatar"><a href="./memberlist.php?mode=viewprofile&amp;u=7" class="username">%s</a></dt><dd class="profile-rank">Member</dd></dl>
	<div class="postbody"><div id="post_content%d">
		<h3><a href="#p%d">Re: %s</a></h3>
		<p class="author"><span class="responsive-hide">by <strong><a href="./memberlist.php?mode=viewprofile&amp;u=7" class="username">%s</a></strong> &raquo; </span><time datetime="2026-11-20T10:00:00+00:00">Fri Nov 20, 2026 10:00 am</time></p>
		<div class="content">%s</div>
	</div></div>
	</div>
</div>
<hr class="divider" />
`, pid, k%2+1, pid, h(m.Author), pid, pid, h(p.Title), h(m.Author), renderBlocks("phpbb", m.Blocks))
	}
	b.WriteString("</body></html>\n")
	return b.String(), true
}

// ---------------------------------------------------------------- paste

func (s *Sites) pasteListing() string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Archive - QuietBin</title></head><body>
<table class="archive"><tr><th>Name / Title</th><th>Posted</th><th>Syntax</th></tr>
`)
	for _, p := range s.bySit["paste"] {
		fmt.Fprintf(&b, `<tr><td><a href="/%s">%s</a></td><td class="date">%s</td><td>None</td></tr>
`, s.keys[p], h(p.Title), posted.Add(time.Duration(s.ids[p])*time.Minute).Format("2006-01-02 15:04:05"))
	}
	b.WriteString("</table></body></html>\n")
	return b.String()
}

func (s *Sites) pasteRaw(key string) (string, bool) {
	for _, p := range s.bySit["paste"] {
		if s.keys[p] == key {
			return pasteText(p), true
		}
	}
	return "", false
}

// pasteText is a paste's text: its blocks as plain text.
func pasteText(p *Post) string {
	var lines []string
	for _, m := range p.Msgs {
		for _, bl := range m.Blocks {
			switch {
			case bl.Code != nil:
				lines = append(lines, bl.Code...)
			case bl.Table != nil:
				for _, r := range bl.Table {
					lines = append(lines, strings.Join(r, "\t"))
				}
			case bl.HTML != "":
				lines = append(lines, unesc(stripTags(bl.HTML)))
			}
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, c := range s {
		switch {
		case c == '<':
			in = true
		case c == '>':
			in = false
		case !in:
			b.WriteRune(c)
		}
	}
	return b.String()
}

func unesc(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// ---------------------------------------------------------------- blocks

// renderBlocks writes a post body in the engine's markup.
func renderBlocks(engine string, bs []Block) string {
	var b strings.Builder
	for _, bl := range bs {
		switch {
		case bl.Quote != nil:
			q := renderBlocks(engine, bl.Quote.Blocks)
			a := h(bl.Quote.Author)
			switch engine {
			case "mybb":
				fmt.Fprintf(&b, `<blockquote class="mycode_quote"><cite><span> (11-19-2026, 08:12 PM)</span>%s Wrote: <a href="showthread.php?pid=1#pid1" class="quick_jump"></a></cite>%s</blockquote>`, a, q)
			case "xenforo":
				fmt.Fprintf(&b, `<blockquote data-attributes="member: 7" data-quote="%s" data-source="post: 1" class="bbCodeBlock bbCodeBlock--expandable bbCodeBlock--quote js-expandWatch"><div class="bbCodeBlock-title"><a href="/goto/post?id=1" class="bbCodeBlock-sourceJump" rel="nofollow">%s said:</a></div><div class="bbCodeBlock-content"><div class="bbCodeBlock-expandContent js-expandContent ">%s</div><div class="bbCodeBlock-expandLink js-expandLink"><a role="button" tabindex="0">Click to expand...</a></div></div></blockquote>`, a, a, q)
			default:
				fmt.Fprintf(&b, `<blockquote cite="./viewtopic.php?p=1#p1"><div><cite><a href="./memberlist.php?mode=viewprofile&amp;u=7">%s</a> wrote: <a href="./viewtopic.php?p=1#p1" data-post-id="1">↑</a><span class="responsive-hide">Thu Nov 19, 2026 8:12 pm</span></cite>%s</div></blockquote>`, a, q)
			}
		case bl.Code != nil:
			var lines []string
			for _, l := range bl.Code {
				lines = append(lines, h(l))
			}
			switch engine {
			case "mybb":
				fmt.Fprintf(&b, `<div class="codeblock"><div class="title">Code:</div><div class="body" dir="ltr"><code>%s</code></div></div>`, strings.Join(lines, "<br />\n"))
			case "xenforo":
				fmt.Fprintf(&b, `<div class="bbCodeBlock bbCodeBlock--screenLimited bbCodeBlock--code"><div class="bbCodeBlock-title">Code:</div><div class="bbCodeBlock-content" dir="ltr"><pre class="bbCodeCode" dir="ltr" data-xf-init="code-block" data-lang=""><code>%s</code></pre></div></div>`, strings.Join(lines, "\n"))
			default:
				fmt.Fprintf(&b, `<div class="codebox"><p>Code: <a href="#" onclick="selectCode(this); return false;">Select all</a></p><pre><code>%s</code></pre></div>`, strings.Join(lines, "\n"))
			}
		case bl.Table != nil:
			switch engine {
			case "xenforo":
				b.WriteString(`<div class="bbTable"><table style="width: 100%"><tbody>`)
			case "mybb":
				b.WriteString(`<table class="mycode_table"><tbody>`)
			default:
				b.WriteString(`<table class="table1"><tbody>`)
			}
			for i, r := range bl.Table {
				b.WriteString("<tr>")
				for _, c := range r {
					tag := "td"
					if i == 0 {
						tag = "th"
					}
					fmt.Fprintf(&b, "<%s>%s</%s>", tag, h(c), tag)
				}
				b.WriteString("</tr>\n")
			}
			b.WriteString("</tbody></table>")
			if engine == "xenforo" {
				b.WriteString("</div>")
			}
		default:
			b.WriteString(bl.HTML)
			b.WriteString("<br />\n")
		}
	}
	return b.String()
}
