package demo

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"leakwatch/crawler"
	"leakwatch/leak"
	"leakwatch/matchers"
)

//go:embed site data
var files embed.FS

// Brands are the fictional company's brand terms.
var Brands = []string{"Halcyon Wireless", "Halcyon", "halcyonwireless.com"}

// Key returns the demo's secret key for keyed hashes: a published constant,
// fit for invented data only.
func Key() []byte {
	k := sha256.Sum256([]byte("leakwatch demo key: published, demo data only"))
	return k[:]
}

// onionHost derives a stable, valid v3 onion name for a demo site.
func onionHost(name string) string {
	seed := sha256.Sum256([]byte("leakwatch demo site " + name))
	pub := ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)
	return crawler.OnionAddress(pub)
}

// ServedRequest is one HTTP request the demo sites answered.
type ServedRequest struct {
	Host, Path, RemoteAddr string
}

// World is the running demo: its sites, served on 127.0.0.1, and the SOCKS5
// proxy in front of them.
type World struct {
	ForumHost, PasteHost string
	Proxy                *Proxy
	srv                  *http.Server
	done                 chan struct{}
	mu                   sync.Mutex
	served               []ServedRequest
	latency              time.Duration
}

// Start serves the demo sites and the proxy on 127.0.0.1.
func Start() (*World, error) {
	w := &World{ForumHost: onionHost("forum"), PasteHost: onionHost("paste"), done: make(chan struct{})}
	forum, paste, err := sites()
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(w.ForumHost+"/", forum)
	mux.Handle(w.PasteHost+"/", paste)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo sites: %w", err)
	}
	w.srv = &http.Server{
		Handler: slow(func(r *http.Request) time.Duration {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.served = append(w.served, ServedRequest{Host: r.Host, Path: r.URL.Path, RemoteAddr: r.RemoteAddr})
			return w.latency
		}, mux),
		ReadHeaderTimeout: 5 * time.Second,
	}
	go func() {
		defer close(w.done)
		_ = w.srv.Serve(ln)
	}()
	w.Proxy, err = StartProxy(map[string]string{
		w.ForumHost + ":80": ln.Addr().String(),
		w.PasteHost + ":80": ln.Addr().String(),
	})
	if err != nil {
		_ = w.srv.Close()
		<-w.done
		return nil, err
	}
	return w, nil
}

// SingleHost serves both demo sites under one host name (one onion
// service in front of one backend, as the private Tor network in the
// integration test has): the forum under /forums/ and /threads/, the
// paste site under /, /p/ and /raw/. latency, if set, is read before each
// answer (a slow or stalling onion service); served is called with each
// request's path.
func SingleHost(latency func() time.Duration, served func(path string)) (http.Handler, error) {
	forum, paste, err := sites()
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/forums/", forum)
	mux.Handle("/threads/", forum)
	mux.Handle("/", paste)
	return slow(func(r *http.Request) time.Duration {
		if served != nil {
			served(r.URL.Path)
		}
		if latency == nil {
			return 0
		}
		return latency()
	}, mux), nil
}

// sites serves the embedded forum and paste site files.
func sites() (forum, paste http.Handler, err error) {
	f, err := fs.Sub(files, "site/forum")
	if err != nil {
		return nil, nil, err
	}
	p, err := fs.Sub(files, "site/paste")
	if err != nil {
		return nil, nil, err
	}
	return http.FileServerFS(f), http.FileServerFS(p), nil
}

// slow calls before for each request (to record it) and waits the delay it
// returns before h answers, like a slow onion service; a client that gives
// up ends the wait.
func slow(before func(*http.Request) time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if d := before(r); d > 0 {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		h.ServeHTTP(rw, r)
	})
}

// SetLatency makes every answer wait d first, like a slow onion service.
func (w *World) SetLatency(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.latency = d
}

// Served returns a copy of every request the sites answered.
func (w *World) Served() []ServedRequest {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]ServedRequest(nil), w.served...)
}

// Close stops the proxy and the sites.
func (w *World) Close() error {
	err := w.Proxy.Close()
	err = errors.Join(err, w.srv.Close())
	<-w.done
	return err
}

// Sources returns the demo's two sources, configured as a user would.
func (w *World) Sources() []crawler.Source {
	return []crawler.Source{
		{
			Name:     "breachbazaar",
			Kind:     crawler.KindForum,
			URLs:     []string{"http://" + w.ForumHost + "/forums/databases/"},
			MaxPages: 5,
			Forum: crawler.ForumSelectors{
				Thread: "tr.inline_row", Link: "a.thread-link", Author: ".author a",
				Updated: ".lastpost time", Next: "a.pagination_next", Post: ".post_body", PostAuthor: ".post_author a",
			},
		},
		{
			Name:     "quietbin",
			Kind:     crawler.KindPaste,
			URLs:     []string{"http://" + w.PasteHost + "/"},
			MaxPages: 1,
			Paste: crawler.PasteSelectors{
				Item: "li.paste", Link: "a", Author: ".by", Posted: "time",
				Raw: "http://" + w.PasteHost + "/raw/{key}",
			},
		},
	}
}

// Dataset returns the fictional company's canaries and fingerprints as
// keyed digests under h: the plaintext exists only in the binary's
// embedded demo files, never in the database.
func Dataset(h *matchers.Hasher) ([]leak.Canary, []leak.Fingerprint, error) {
	var canaries []leak.Canary
	err := readCSV("data/canaries.csv", func(row map[string]string) error {
		for _, t := range matchers.Types {
			if row[string(t)] == "" {
				continue
			}
			d, ok := h.Value(t, row[string(t)])
			if !ok {
				return fmt.Errorf("canary %s: invalid %s", row["id"], t)
			}
			canaries = append(canaries, leak.Canary{ID: row["id"], Partition: row["partition"], Type: string(t), Digest: d})
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	var prints []leak.Fingerprint
	err = readCSV("data/customers.csv", func(row map[string]string) error {
		rec, err := strconv.ParseUint(row["record"], 10, 64)
		if err != nil {
			return fmt.Errorf("record %q: %w", row["record"], err)
		}
		if row["name"] != "" && row["zip"] != "" {
			row[string(matchers.TypeName)] = row["name"] + " " + row["zip"]
		}
		for _, t := range matchers.Types {
			if row[string(t)] == "" {
				continue
			}
			d, ok := h.Value(t, row[string(t)])
			if !ok {
				return fmt.Errorf("customer %d: invalid %s", rec, t)
			}
			prints = append(prints, leak.Fingerprint{Digest: d, Type: string(t), Dataset: "crm", Partition: "crm-prod", Record: rec})
		}
		return nil
	})
	return canaries, prints, err
}

func readCSV(name string, row func(map[string]string) error) error {
	data, err := files.ReadFile(name)
	if err != nil {
		return err
	}
	r := csv.NewReader(bytes.NewReader(data))
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		m := make(map[string]string, len(header))
		for i, h := range header {
			m[h] = strings.TrimSpace(rec[i])
		}
		if err := row(m); err != nil {
			line, _ := r.FieldPos(0)
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
	}
}

// ConfigYAML is the demo company's part of a config, as an analyst would
// write it: the forum and paste site at the given URLs, the brand terms,
// and what is alerted. The proxy, files and Slack are the caller's.
func ConfigYAML(forumURL, pasteURL, rawURL string) string {
	return fmt.Sprintf(`sources:
  - name: breachbazaar
    kind: forum
    urls: [%q]
    max_pages: 5
    selectors: {thread: "tr.inline_row", link: "a.thread-link", author: ".author a", updated: ".lastpost time", next: "a.pagination_next", post: ".post_body", post_author: ".post_author a"}
  - name: quietbin
    kind: paste
    urls: [%q]
    selectors: {item: "li.paste", link: "a", author: ".by", posted: "time"}
    raw_url: %q
matchers:
  brands: [Halcyon Wireless, Halcyon]
  not_brands: [Halcyon House]
  profile: [US carrier, wireless provider]
  customers: 70000000
alerts:
  min_severity: high
`, forumURL, pasteURL, rawURL)
}

// ConfigYAML is ConfigYAML for this world's sites.
func (w *World) ConfigYAML() string {
	src := w.Sources()
	return ConfigYAML(src[0].URLs[0], src[1].URLs[0], src[1].Paste.Raw)
}

// File returns one of the demo's data files, data/canaries.csv or
// data/customers.csv: what an analyst would import.
func File(name string) ([]byte, error) { return files.ReadFile(name) }

// CustomerColumns maps data/customers.csv's columns for a fingerprint
// import.
const CustomerColumns = "email=email,phone=phone,ssn=ssn,imei=imei,dob=dob,dl=dl,name_zip=name+zip"
