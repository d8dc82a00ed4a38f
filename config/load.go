package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Problem is one thing wrong in a config file, where it is.
type Problem struct {
	Line, Column int    // 0 when the field is not in the file
	Field        string // its path, e.g. "sources[1].urls[0]"; "" for the whole file
	Message      string
}

// Error is every problem of a config file, in file order. Load returns
// it for a file that does not hold a valid config.
type Error struct {
	Path     string
	Problems []Problem
}

// Error says each problem on its own line, as FILE:LINE:COLUMN: field:
// message.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		where := e.Path
		if p.Line > 0 {
			where = fmt.Sprintf("%s:%d:%d", e.Path, p.Line, p.Column)
		}
		if p.Field != "" {
			where += ": " + p.Field
		}
		lines[i] = where + ": " + p.Message
	}
	return strings.Join(lines, "\n")
}

// Load reads, decodes strictly and validates a config file. A file that
// cannot be read is an error as os.ReadFile gives it; a file that can is
// either a valid Config or an *Error with every problem found.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return parse(path, data)
}

// parse is Load of data read from path.
func parse(path string, data []byte) (*Config, error) {
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, syntaxError(path, err)
	}
	cfg := Default()
	cfg.path, cfg.file = path, file
	if abs, err := filepath.Abs(path); err == nil {
		cfg.dir = filepath.Dir(abs)
	}
	p := &problems{cfg: &cfg, failed: map[string]bool{}}
	if empty(file) {
		p.addAt(nil, "", "the config is empty: start from config.example.yaml")
		return nil, p.err()
	}
	// Aliases are expanded while decoding: a few hundred bytes of nested
	// aliases would expand to billions of values (minutes, gigabytes).
	if tk, err := checkAliases(file); err != nil {
		p.addAt(tk, "", err.Error())
		return nil, p.err()
	}
	d := &decoder{p: p, anchors: anchors(file)}
	for _, doc := range file.Docs {
		if doc.Body != nil {
			d.decode(doc.Body, reflect.ValueOf(&cfg).Elem(), "")
		}
	}
	cfg.validate(p)
	if len(p.list) > 0 {
		return nil, p.err()
	}
	return &cfg, nil
}

// syntaxError is a parse error as FILE:LINE:COL: message.
func syntaxError(path string, err error) error {
	var ye interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if errors.As(err, &ye) && ye.GetToken() != nil {
		pos := ye.GetToken().Position
		return &Error{Path: path, Problems: []Problem{{Line: pos.Line, Column: pos.Column, Message: ye.GetMessage()}}}
	}
	return &Error{Path: path, Problems: []Problem{{Message: err.Error()}}}
}

// problems collects what is wrong, with the fields' places in the file.
type problems struct {
	cfg    *Config
	list   []Problem
	failed map[string]bool // fields whose value did not decode: not validated
}

// add records a problem of field (a path such as "sources[1].urls[0]"),
// placed at the field or its nearest parent in the file. A field whose
// value did not decode (or inside one) has its problem already.
func (p *problems) add(field, format string, args ...any) {
	for f := field; f != ""; f = parentField(f) {
		if p.failed[f] {
			return
		}
	}
	line, col := p.cfg.position(field)
	p.list = append(p.list, Problem{Line: line, Column: col, Field: field, Message: fmt.Sprintf(format, args...)})
}

// addAt records a problem at a token of the file.
func (p *problems) addAt(tk *token.Token, field, msg string) {
	pr := Problem{Field: field, Message: msg}
	if tk != nil {
		pr.Line, pr.Column = tk.Position.Line, tk.Position.Column
	}
	p.list = append(p.list, pr)
}

// err returns every problem, in file order.
func (p *problems) err() error {
	sort.SliceStable(p.list, func(i, j int) bool {
		a, b := p.list[i], p.list[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Field+a.Message < b.Field+b.Message
	})
	return &Error{Path: p.cfg.path, Problems: p.list}
}

// position returns the line and column of field, or of its nearest parent
// that is in the file; 0, 0 when none is.
func (c *Config) position(field string) (line, col int) {
	if c.file == nil {
		return 0, 0
	}
	for f := field; f != ""; f = parentField(f) {
		p, err := yaml.PathString("$." + f)
		if err != nil {
			continue
		}
		if n, err := p.FilterFile(c.file); err == nil && n != nil && n.GetToken() != nil {
			pos := n.GetToken().Position
			return pos.Line, pos.Column
		}
	}
	return 0, 0
}

func parentField(f string) string {
	i := strings.LastIndexAny(f, ".[")
	if i <= 0 {
		return ""
	}
	return f[:i]
}

func joinField(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// decoder fills a Config from the syntax tree field by field, so that
// one wrong value is one problem and the rest of the file is still read:
// a mapping goes into a struct (an unknown key is a problem, with the
// known key it most looks like), a list into a slice, a scalar through
// the YAML decoder (a Duration through its UnmarshalYAML).
type decoder struct {
	p       *problems
	anchors map[string]ast.Node
}

var nodeUnmarshaler = reflect.TypeFor[yaml.NodeUnmarshaler]()

func (d *decoder) decode(n ast.Node, v reflect.Value, field string) {
	n = d.resolve(n)
	if n == nil || n.Type() == ast.NullType {
		return // left out: the default stays
	}
	fail := func(msg string) {
		d.p.failed[field] = true
		d.p.addAt(n.GetToken(), field, msg)
	}
	if v.Addr().Type().Implements(nodeUnmarshaler) {
		switch n.(type) {
		case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
			fail("want a duration such as 90s, 2m or 90d, got " + nodeKind(n))
			return
		}
		if err := v.Addr().Interface().(yaml.NodeUnmarshaler).UnmarshalYAML(n); err != nil {
			fail(message(err))
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		pairs, ok := d.pairs(n)
		if !ok {
			fail("want a mapping, got " + nodeKind(n))
			return
		}
		seen := map[string]bool{}
		for _, kv := range pairs {
			key := kv.Key.GetToken().Value
			at := joinField(field, key)
			i, known := fieldIndex(v.Type(), key)
			if !known {
				msg := "unknown field"
				if near := nearest(v.Type(), key); near != "" {
					msg += " (did you mean " + near + "?)"
				}
				d.p.failed[at] = true
				d.p.addAt(kv.Key.GetToken(), at, msg)
				continue
			}
			if !kv.merged {
				if seen[key] {
					d.p.addAt(kv.Key.GetToken(), at, "is given twice")
				}
				seen[key] = true
			}
			d.decode(kv.Value, v.Field(i), at)
		}
	case reflect.Slice:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			fail("want a list, got " + nodeKind(n))
			return
		}
		out := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
		for i, item := range seq.Values {
			d.decode(item, out.Index(i), fmt.Sprintf("%s[%d]", field, i))
		}
		v.Set(out)
	default:
		switch n.(type) {
		case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
			fail(fmt.Sprintf("want %s, got %s", kindWord(v.Type().String()), nodeKind(n)))
			return
		}
		if err := yaml.NodeToValue(n, v.Addr().Interface()); err != nil {
			fail(message(err))
		}
	}
}

// resolve looks through anchors, aliases and tags to the value.
func (d *decoder) resolve(n ast.Node) ast.Node {
	for range 100 { // an alias of an alias...; a cycle ends here
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.AliasNode:
			target, ok := d.anchors[v.Value.GetToken().Value]
			if !ok {
				return nil // the parser refuses an unknown alias
			}
			n = target
		case *ast.TagNode:
			n = v.Value
		default:
			return n
		}
	}
	return nil
}

// pair is one key and value of a mapping; merged when it came from a
// "<<" merge key, which the mapping's own keys override.
type pair struct {
	Key    ast.MapKeyNode
	Value  ast.Node
	merged bool
}

func (d *decoder) pairs(n ast.Node) ([]pair, bool) {
	var values []*ast.MappingValueNode
	switch m := n.(type) {
	case *ast.MappingNode:
		values = m.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{m}
	default:
		return nil, false
	}
	var merged, own []pair
	for _, mv := range values {
		if mv.Key.GetToken().Value != "<<" {
			own = append(own, pair{Key: mv.Key, Value: mv.Value})
			continue
		}
		from := []ast.Node{mv.Value}
		if seq, ok := d.resolve(mv.Value).(*ast.SequenceNode); ok {
			from = seq.Values
		}
		for _, f := range from {
			ps, ok := d.pairs(d.resolve(f))
			if !ok {
				return nil, false
			}
			for _, p := range ps {
				p.merged = true
				merged = append(merged, p)
			}
		}
	}
	// Merged keys first, so the mapping's own keys land over them.
	return append(merged, own...), true
}

// anchors maps each anchor's name to its value (a later anchor of the
// same name wins).
func anchors(f *ast.File) map[string]ast.Node {
	out := map[string]ast.Node{}
	for _, doc := range f.Docs {
		ast.Walk(anchorVisitor(out), doc)
	}
	return out
}

type anchorVisitor map[string]ast.Node

func (a anchorVisitor) Visit(n ast.Node) ast.Visitor {
	if an, ok := n.(*ast.AnchorNode); ok {
		a[an.Name.GetToken().Value] = an.Value
	}
	return a
}

// fieldIndex finds the struct field whose yaml tag is key.
func fieldIndex(t reflect.Type, key string) (int, bool) {
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name == key && name != "" {
			return i, true
		}
	}
	return 0, false
}

// nearest is the known key closest to an unknown one (at most two edits
// away), for "did you mean".
func nearest(t reflect.Type, key string) string {
	best, bestD := "", 3
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name == "" {
			continue
		}
		if dist := editDistance(key, name); dist < bestD {
			best, bestD = name, dist
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// message is a decode error's message, with Go's type names said as the
// config's reader would say them.
func message(err error) string {
	msg := err.Error()
	var ye interface{ GetMessage() string }
	if errors.As(err, &ye) {
		msg = ye.GetMessage()
	}
	if m := goTypeError.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("want %s, got %s", kindWord(m[2]), kindWord(m[1]))
	}
	return msg
}

// goTypeError is the decoder's message for a value of the wrong kind,
// which names Go types.
var goTypeError = regexp.MustCompile(`cannot unmarshal (.+?) into Go (?:struct field \S+|value) of type (.+)$`)

func kindWord(goType string) string {
	switch strings.TrimPrefix(goType, "*") {
	case "int", "int64", "int32", "uint", "uint64", "uint16", "uint32":
		return "a whole number"
	case "float64", "float32":
		return "a number"
	case "bool":
		return "true or false"
	case "string":
		return "text"
	}
	if strings.HasPrefix(goType, "[]") {
		return "a list"
	}
	if strings.HasPrefix(goType, "map[") || strings.HasPrefix(goType, "config.") {
		return "a mapping"
	}
	return goType
}

// nodeKind says what a value in the file is.
func nodeKind(n ast.Node) string {
	switch n.Type() {
	case ast.MappingType, ast.MappingValueType:
		return "a mapping"
	case ast.SequenceType:
		return "a list"
	case ast.IntegerType:
		return "a whole number"
	case ast.FloatType, ast.InfinityType, ast.NanType:
		return "a number"
	case ast.BoolType:
		return "true or false"
	}
	return "text"
}

// maxAliasNodes bounds what aliases may expand to in a config: shared
// selectors take a few hundred nodes; a billion-laughs config, billions.
const maxAliasNodes = 10_000

// empty says whether the file holds no document (nothing, or comments).
func empty(f *ast.File) bool {
	for _, d := range f.Docs {
		if d.Body != nil {
			if _, comment := d.Body.(*ast.CommentGroupNode); !comment {
				return false
			}
		}
	}
	return true
}

// checkAliases refuses a file whose aliases expand to more than
// maxAliasNodes nodes in all (an alias counts as the size of what it
// names, its own aliases expanded), before anything is expanded, naming
// the alias that crosses the limit.
func checkAliases(f *ast.File) (*token.Token, error) {
	sizes := map[string]int{} // anchor name: the nodes it stands for
	added := 0                // nodes the aliases add, so far
	var over *token.Token
	var walk func(n ast.Node, depth int) int // n's size, aliases expanded
	walk = func(n ast.Node, depth int) int {
		if n == nil || depth > 1000 || over != nil {
			return 1
		}
		total := 1
		switch v := n.(type) {
		case *ast.DocumentNode:
			return walk(v.Body, depth+1)
		case *ast.MappingNode:
			for _, mv := range v.Values {
				total += walk(mv, depth+1)
			}
		case *ast.MappingValueNode:
			return walk(v.Key, depth+1) + walk(v.Value, depth+1)
		case *ast.MappingKeyNode:
			return walk(v.Value, depth+1)
		case *ast.SequenceNode:
			for _, x := range v.Values {
				total += walk(x, depth+1)
			}
		case *ast.TagNode:
			return walk(v.Value, depth+1)
		case *ast.AnchorNode:
			total = walk(v.Value, depth+1)
			sizes[v.Name.GetToken().Value] = total
		case *ast.AliasNode:
			if sz, ok := sizes[v.Value.GetToken().Value]; ok {
				total = sz
			}
			if added += total; added > maxAliasNodes {
				over = v.GetToken()
			}
		}
		return min(total, maxAliasNodes+1)
	}
	for _, d := range f.Docs {
		walk(d, 0)
		if over != nil {
			return over, fmt.Errorf("aliases expand to more than %d values: refused (a config needs a few hundred)", maxAliasNodes)
		}
	}
	return nil, nil
}
