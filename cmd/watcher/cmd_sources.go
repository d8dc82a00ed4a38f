package main

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"leakwatch/config"
	"leakwatch/control"
	"leakwatch/daemon"
	"leakwatch/store"
)

func newSourcesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sources",
		Short: "Sources to consider: onion addresses the crawled posts named",
		Args:  noArgs,
	}
	cmd.AddCommand(newSourcesSuggestCmd(g))
	return cmd
}

type sourcesSuggestOptions struct {
	json bool
	min  int
}

func newSourcesSuggestCmd(g *globals) *cobra.Command {
	var o sourcesSuggestOptions
	cmd := &cobra.Command{
		Use:   "suggest --config FILE [--min N] [--json]",
		Short: "List onion addresses seen in posts, with a config stanza for each",
		Long: `suggest lists the v3 onion addresses (checksum-valid) that crawled posts named, with how
many posts named them, when first and last, and where: new forums, leak sites and
mirrors are announced in the places already watched. Addresses the config already
crawls or fetches samples from are left out. Nothing here is ever crawled by itself:
look at a site in Tor Browser first, then paste its stanza into the config's sources
(setting kind and preset or selectors) and reload the daemon.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withService(cmd.Context(), g, "sources suggest", daemon.LocalOptions{}, func(cfg *config.Config, svc control.Service) error {
				os, err := svc.Onions(cmd.Context())
				if err != nil {
					return err
				}
				os = unwatched(cfg, os, o.min)
				if o.json {
					return printJSON(cmd.OutOrStdout(), os)
				}
				return printSuggestions(cmd.OutOrStdout(), os)
			})
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	cmd.Flags().IntVar(&o.min, "min", 1, "only addresses named by at least this many posts")
	return cmd
}

// unwatched drops the addresses the config already reaches and those
// named by fewer than min posts.
func unwatched(cfg *config.Config, os []store.Onion, min int) []store.Onion {
	known := map[string]bool{}
	hosts := cfg.SampleHosts()
	for _, s := range cfg.Sources {
		hosts = append(hosts, s.Hosts()...)
	}
	for _, h := range hosts {
		if u, err := url.Parse("http://" + h); err == nil {
			known[u.Hostname()] = true
		}
	}
	out := []store.Onion{}
	for _, o := range os {
		if !known[o.Address] && o.Mentions >= min {
			out = append(out, o)
		}
	}
	return out
}

func printSuggestions(out io.Writer, os []store.Onion) error {
	if len(os) == 0 {
		_, err := fmt.Fprintln(out, "no onion addresses seen in posts that the config does not already watch")
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ADDRESS\tPOSTS\tFIRST\tLAST\tSEEN ON")
	for _, o := range os {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", o.Address, o.Mentions, stamp(o.First), stamp(o.Last), strings.Join(o.Sources, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out, "\n# Stanzas for the config's sources: look at each site in Tor Browser first, then set")
	fmt.Fprintln(out, "# its kind (forum or paste) and a preset or selectors.")
	for _, o := range os {
		fmt.Fprintf(out, "  - name: onion-%s\n    kind: forum        # seen in %d posts on %s\n    # preset: mybb | xenforo | phpbb | invision\n    urls: [\"http://%s/\"]\n",
			o.Address[:8], o.Mentions, strings.Join(o.Sources, ", "), o.Address)
	}
	return nil
}
