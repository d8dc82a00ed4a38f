package metrics

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"leakwatch/pipeline"
	"leakwatch/store"
)

// TestMonitoringFiles: the alert rules and the Grafana dashboard in
// monitoring/ name only metrics this package serves (a renamed metric
// would leave an alert that never fires), and promtool, where Debian's
// prometheus package put it, checks the rules and runs their unit tests.
func TestMonitoringFiles(t *testing.T) {
	m := New(state{sources: []store.SourceState{{Name: "s", Healthy: true}}, conds: []store.Condition{{ID: "tor"}}})
	m.Source("s")
	m.Crawl(pipeline.Stats{Source: "s", Took: time.Second}, nil)
	m.Reload(true)
	fams, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, f := range fams {
		served[f.GetName()] = true
		if f.GetType().String() == "HISTOGRAM" {
			for _, suf := range []string{"_bucket", "_sum", "_count"} {
				served[f.GetName()+suf] = true
			}
		}
	}

	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	b, err := os.ReadFile("../monitoring/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &rules); err != nil {
		t.Fatal(err)
	}
	var exprs []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			exprs = append(exprs, r.Expr)
		}
	}
	if len(exprs) < 5 {
		t.Fatalf("%d alert rules", len(exprs))
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	b, err = os.ReadFile("../monitoring/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("grafana-dashboard.json: %v", err)
	}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	name := regexp.MustCompile(`leakwatch_[a-z_]+`)
	used := 0
	for _, e := range exprs {
		for _, n := range name.FindAllString(e, -1) {
			used++
			if !served[n] {
				t.Errorf("%q names %s, which leakwatch does not serve", e, n)
			}
		}
	}
	if used < 15 {
		t.Errorf("only %d metric names used by the rules and the dashboard", used)
	}

	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("LEAKWATCH_REQUIRE_PROMTOOL") != "" {
			t.Fatal("promtool not installed, and LEAKWATCH_REQUIRE_PROMTOOL is set (Debian: apt-get install prometheus)")
		}
		t.Log("promtool not installed (Debian: apt-get install prometheus): the rules were only parsed")
		return
	}
	for _, args := range [][]string{{"check", "rules", "alerts.yml"}, {"test", "rules", "alerts_test.yml"}} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = "../monitoring"
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "SUCCESS") {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
