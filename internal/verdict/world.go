package verdict

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"leakwatch/leak"
	"leakwatch/matchers"
)

// Person is one customer record (or a stranger's, or a canary's).
type Person struct {
	First, Last string
	Email       string
	Phone       string // (312) 555-0148 style, digits area-exchange-line
	SSN         string // 219-09-9999 style
	IMEI        string
	Card        string
	DLState     string
	DL          string // as the state writes it
	DOB         string // 1985-03-04
	Street      string
	City, State string
	ZIP         string
	Password    string
}

// Name is "First Last".
func (p Person) Name() string { return p.First + " " + p.Last }

// Canary is a planted fake customer.
type Canary struct {
	Person
	ID, Partition string
}

// World is the company: its customers, canaries and settings.
type World struct {
	Key       []byte
	Customers []Person
	Canaries  []Canary
	rng       *rand.Rand
	taken     map[string]bool // the customers' values, which strangers never share
}

// Company settings, as an operator would configure them.
var (
	Brands    = []string{"Halcyon Wireless", "Halcyon Mobile", "Halcyon", "halcyonwireless.com"}
	NotBrands = []string{"Halcyon Pharmaceuticals"}
	Profile   = []string{"US carrier", "wireless provider", "mobile carrier"}
)

// Partitions are where the canaries are planted.
var Partitions = []string{"billing-db", "crm-prod", "support-desk"}

// NewWorld makes the world of seed: n customers, five canaries a partition.
func NewWorld(seed uint64, n int) *World {
	w := &World{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	w.Key = make([]byte, matchers.KeySize)
	for i := range w.Key {
		w.Key[i] = byte(w.rng.IntN(256))
	}
	seen := map[string]bool{}
	w.taken = seen
	for len(w.Customers) < n {
		p := w.person("")
		if seen[p.Email] || seen[p.Phone] || seen[p.SSN] {
			continue
		}
		seen[p.Email], seen[p.Phone], seen[p.SSN], seen[p.Name()+p.ZIP] = true, true, true, true
		w.Customers = append(w.Customers, p)
	}
	for _, part := range Partitions {
		for i := range 5 {
			p := w.person("halcyon-canary.test")
			w.Canaries = append(w.Canaries, Canary{Person: p, ID: fmt.Sprintf("cn-%s-%02d", part, i+1), Partition: part})
		}
	}
	return w
}

// Stranger is someone who is not our customer: no value of theirs is a
// customer's.
func (w *World) Stranger() Person {
	for {
		p := w.person("")
		if !w.taken[p.Email] && !w.taken[p.Phone] && !w.taken[p.SSN] && !w.taken[p.Name()+p.ZIP] {
			return p
		}
	}
}

// Rand is the world's random source (posts are drawn from it too, so the
// corpus is one function of the seed).
func (w *World) Rand() *rand.Rand { return w.rng }

// Customer returns a random customer.
func (w *World) Customer() Person { return w.Customers[w.rng.IntN(len(w.Customers))] }

// CanaryIn returns a canary of partition.
func (w *World) CanaryIn(partition string) Canary {
	var cs []Canary
	for _, c := range w.Canaries {
		if c.Partition == partition {
			cs = append(cs, c)
		}
	}
	return cs[w.rng.IntN(len(cs))]
}

// Hasher is the world's keyed hasher.
func (w *World) Hasher() *matchers.Hasher {
	h, err := matchers.NewHasher(w.Key)
	if err != nil {
		panic(err)
	}
	return h
}

// Fingerprints are the customers' values as `watcher fingerprint import`
// stores them, every column the import offers: dataset crm, partition
// crm-prod, one record per customer.
func (w *World) Fingerprints() ([]leak.Fingerprint, error) {
	h := w.Hasher()
	var fs []leak.Fingerprint
	for i, p := range w.Customers {
		for _, v := range []struct {
			t   matchers.Type
			raw string
		}{
			{matchers.TypeEmail, p.Email}, {matchers.TypePhone, p.Phone}, {matchers.TypeSSN, p.SSN},
			{matchers.TypeIMEI, p.IMEI}, {matchers.TypeCard, p.Card}, {matchers.TypeDL, p.DLState + " " + p.DL},
			{matchers.TypeDOB, p.DOB}, {matchers.TypeName, p.Name() + " " + p.ZIP},
		} {
			d, ok := h.Value(v.t, v.raw)
			if !ok {
				return nil, fmt.Errorf("customer %d: invalid %s %q", i, v.t, v.raw)
			}
			fs = append(fs, leak.Fingerprint{Digest: d, Type: string(v.t), Dataset: "crm", Partition: "crm-prod", Record: uint64(i + 1)})
		}
	}
	return fs, nil
}

// CanaryDigests are the canaries as stored: their email, phone and SSN,
// and, as an old `canary import` stored it from a dob column, their date
// of birth (which must never identify one).
func (w *World) CanaryDigests() ([]leak.Canary, error) {
	h := w.Hasher()
	var cs []leak.Canary
	for _, c := range w.Canaries {
		for _, v := range []struct {
			t   matchers.Type
			raw string
		}{{matchers.TypeEmail, c.Email}, {matchers.TypePhone, c.Phone}, {matchers.TypeSSN, c.SSN}, {matchers.TypeDOB, c.DOB}} {
			d, ok := h.Value(v.t, v.raw)
			if !ok {
				return nil, fmt.Errorf("canary %s: invalid %s", c.ID, v.t)
			}
			cs = append(cs, leak.Canary{ID: c.ID, Partition: c.Partition, Type: string(v.t), Digest: d})
		}
	}
	return cs, nil
}

var firstNames = strings.Fields(`James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara
	Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Sandra Mark
	Margaret Donald Ashley Steven Kimberly Andrew Emily Paul Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa
	George Deborah Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura Jeffrey Cynthia Ryan Dorothy Jacob Amy Gary
	Kathleen Nicholas Angela Eric Shirley Jonathan Brenda Stephen Emma Larry Anna Justin Pamela Scott Nicole Brandon Samantha
	Benjamin Katherine Samuel Christine Gregory Helen Alexander Debra Patrick Rachel Frank Carolyn Raymond Janet Jack Maria
	Dennis Olivia Jerry Heather Tyler Diane Aaron Julie Jose Joyce Adam Victoria Nathan Ruth Henry Virginia Zachary Lauren
	Douglas Kelly Peter Christina Kyle Joan Noah Evelyn Ethan Judith Jeremy Andrea Walter Hannah Christian Megan Keith Cheryl
	Roger Jacqueline Terry Martha Austin Madison Sean Teresa Gerald Gloria Carl Sara Harold Janice Dylan Ann Arthur Kathryn
	Lawrence Abigail Jordan Sophia Jesse Frances Bryan Jean Billy Alice Bruce Judy Gabriel Isabella Joe Julia Logan Grace
	Alan Amber Juan Denise Albert Danielle Willie Marilyn Elijah Beverly Wayne Charlotte Randy Natalie Vincent Theresa Mason
	Diana Roy Brittany Ralph Doris Bobby Kayla Russell Alexis Bradley Lori Philip Marie Eugene Priya Ravi Mei Wei Aiko Kenji
	Fatima Omar Yusuf Leila Tomasz Agnieszka Sven Ingrid Mateo Lucia Diego Camila Kwame Ama Chidi Ngozi Dmitri Olga`)

var lastNames = strings.Fields(`Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez
	Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis
	Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell
	Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy
	Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks
	Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez
	Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan
	Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran
	Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells
	Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder
	Mason Dixon Munoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice
	Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley Spencer Hawkins Arnold
	Pierce Vazquez Hansen Peters Santos Hart Bradley Knight Elliott Cunningham Duncan Armstrong Hudson Carroll Lane Riley
	Andrews Alvarado Ray Delgado Berry Perkins Hoffman Johnston Matthews Pena Richards Contreras Willis Carpenter Lawrence
	Sandoval Okafor Mbeki Kowalski Nowak Lindqvist Haddad Nakamura Tanaka Sato Ivanova Petrov Fischer Becker Rossi Russo`)

var mailDomains = strings.Fields(`mail.example.com inbox.example.net post.example.org webmail.example.com
	examplemail.test fastmail.example postbox.test mymail.example.net`)

var streets = strings.Fields(`Maple Oak Pine Cedar Elm Washington Lake Hill Park Main Church Walnut Sunset Lincoln
	Jackson Highland Franklin Ridge Meadow Willow River Spring Chestnut Forest`)

var cities = []struct{ city, state, zip3 string }{
	{"Chicago", "IL", "606"}, {"Springfield", "IL", "627"}, {"Seattle", "WA", "981"}, {"Spokane", "WA", "992"},
	{"Los Angeles", "CA", "900"}, {"San Jose", "CA", "951"}, {"Houston", "TX", "770"}, {"Austin", "TX", "787"},
	{"New York", "NY", "100"}, {"Buffalo", "NY", "142"}, {"Miami", "FL", "331"}, {"Orlando", "FL", "328"},
	{"Philadelphia", "PA", "191"}, {"Pittsburgh", "PA", "152"}, {"Columbus", "OH", "432"}, {"Detroit", "MI", "482"},
	{"Newark", "NJ", "071"}, {"Milwaukee", "WI", "532"}, {"Baltimore", "MD", "212"}, {"Phoenix", "AZ", "850"},
	{"Atlanta", "GA", "303"}, {"Charlotte", "NC", "282"}, {"Denver", "CO", "802"}, {"Boston", "MA", "021"},
	{"Richmond", "VA", "232"}, {"Minneapolis", "MN", "554"}, {"Manchester", "NH", "031"}, {"Boise", "ID", "837"},
	{"Wichita", "KS", "672"}, {"Fargo", "ND", "581"}, {"Burlington", "VT", "054"}, {"Charleston", "WV", "253"},
	{"Des Moines", "IA", "503"},
}

var areaCodes = strings.Fields(`201 202 203 205 206 207 208 209 210 212 213 214 215 216 217 218 219 224 225 228 229 231
	234 239 240 248 251 252 253 254 256 260 262 267 269 270 272 276 281 301 302 303 304 305 307 308 309 310 312 313 314
	315 316 317 318 319 320 321 323 325 330 331 334 336 337 339 347 351 352 360 361 386 401 402 404 405 406 407 408 409
	410 412 413 414 415 417 419 423 424 425 430 432 434 435 440 443 458 469 470 475 478 479 480 484 501 502 503 504 505
	507 508 509 510 512 513 515 516 517 518 520 530 540 541 551 559 561 562 563 567 570 571 573 574 575 580 585 586 601
	602 603 605 606 607 608 609 610 612 614 615 616 617 618 619 620 623 626 630 631 636 641 646 650 651 657 660 661 662
	678 682 701 702 703 704 706 707 708 712 713 714 715 716 717 718 719 720 724 727 731 732 734 740 754 757 760 762 763
	765 769 770 772 773 774 775 779 781 785 786 801 802 803 804 805 806 808 810 812 813 814 815 816 817 818 828 830 831
	832 843 845 847 848 850 856 857 858 859 860 862 863 864 865 870 872 878 901 903 904 906 907 908 909 910 912 913 914
	915 916 917 918 919 920 925 928 931 936 937 940 941 947 949 951 952 954 956 970 971 972 973 978 979 980 985 989`)

func (w *World) person(domain string) Person {
	r := w.rng
	p := Person{First: pick(r, firstNames), Last: pick(r, lastNames)}
	if domain == "" {
		domain = pick(r, mailDomains)
	}
	local := strings.ToLower(p.First + "." + p.Last)
	switch r.IntN(4) {
	case 1:
		local = strings.ToLower(p.First[:1] + p.Last)
	case 2:
		local = strings.ToLower(p.First + p.Last[:1])
	}
	p.Email = fmt.Sprintf("%s%d@%s", local, r.IntN(9000)+10, domain)
	p.Phone = fmt.Sprintf("(%s) %d%02d-%04d", pick(r, areaCodes), r.IntN(8)+2, r.IntN(100), r.IntN(10000))
	for {
		a := r.IntN(898) + 1
		if a == 666 {
			continue
		}
		p.SSN = fmt.Sprintf("%03d-%02d-%04d", a, r.IntN(99)+1, r.IntN(9999)+1)
		break
	}
	p.IMEI = luhnNumber(r, "35"+fmt.Sprintf("%06d", r.IntN(1000000)), 15)
	p.Card = luhnNumber(r, "4"+fmt.Sprintf("%05d", r.IntN(100000)), 16)
	c := cities[r.IntN(len(cities))]
	p.City, p.State = c.city, c.state
	p.ZIP = c.zip3 + fmt.Sprintf("%02d", r.IntN(100))
	p.DLState = c.state
	p.DL = dlNumber(r, c.state, p)
	p.DOB = fmt.Sprintf("%04d-%02d-%02d", 1940+r.IntN(66), r.IntN(12)+1, r.IntN(28)+1)
	p.Street = fmt.Sprintf("%d %s %s", r.IntN(9800)+100, pick(r, streets), pick(r, []string{"St", "Ave", "Rd", "Dr", "Ln", "Blvd"}))
	p.Password = pick(r, []string{"Summer", "Dragon", "Monkey", "Shadow", "Sunshine", "Qwerty", "Baseball", "Letmein"}) +
		fmt.Sprint(r.IntN(9000)+100) + pick(r, []string{"", "!", "#", "$"})
	return p
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// luhnNumber completes prefix with random digits to n digits, the last a
// Luhn check digit.
func luhnNumber(r *rand.Rand, prefix string, n int) string {
	b := []byte(prefix)
	for len(b) < n-1 {
		b = append(b, byte('0'+r.IntN(10)))
	}
	sum := 0
	for i := len(b) - 1; i >= 0; i-- {
		d := int(b[i] - '0')
		if (len(b)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return string(append(b, byte('0'+(10-sum%10)%10)))
}

// dlNumber writes a driver's licence number in the state's format.
func dlNumber(r *rand.Rand, state string, p Person) string {
	digits := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
		return b.String()
	}
	letter := func() string { return string(rune('A' + r.IntN(26))) }
	alnum := func(n int) string {
		const cs = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
		var b strings.Builder
		for range n {
			b.WriteByte(cs[r.IntN(len(cs))])
		}
		return b.String()
	}
	switch state {
	case "CA":
		return letter() + digits(7)
	case "TX", "PA":
		return digits(8)
	case "NY", "GA":
		return digits(9)
	case "FL":
		d := digits(12)
		return letter() + d[:3] + "-" + d[3:6] + "-" + d[6:8] + "-" + d[8:11] + "-" + d[11:]
	case "IL":
		d := digits(11)
		return letter() + d[:3] + "-" + d[3:7] + "-" + d[7:]
	case "WA":
		if r.IntN(2) == 0 {
			return "WDL" + alnum(9)
		}
		// The old format: five letters of the last name (padded with '*'),
		// the first initial, the middle initial, three digits, two checks.
		last := strings.ToUpper(p.Last)
		if len(last) > 5 {
			last = last[:5]
		}
		last += strings.Repeat("*", 5-len(last))
		return last + strings.ToUpper(p.First[:1]) + letter() + digits(3) + alnum(2)
	case "OH":
		return letter() + letter() + digits(6)
	case "MI", "MD", "MN":
		return letter() + digits(12)
	case "NJ":
		return letter() + digits(14)
	case "WI":
		return letter() + digits(13)
	case "AZ", "VA":
		return letter() + digits(8)
	case "NC":
		return digits(12)
	case "CO":
		d := digits(9)
		return d[:2] + "-" + d[2:5] + "-" + d[5:]
	case "MA":
		return "S" + digits(8)
	case "NH":
		return digits(2) + letter() + letter() + letter() + digits(5)
	case "ID":
		return letter() + letter() + digits(6) + letter()
	case "KS":
		return "K" + digits(8)
	case "ND":
		return letter() + letter() + letter() + digits(6)
	case "VT":
		return digits(7) + "A"
	case "WV":
		return letter() + digits(6)
	case "IA":
		return digits(3) + letter() + letter() + digits(4)
	}
	return letter() + digits(7)
}
