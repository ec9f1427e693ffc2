package tickets

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// DefaultRegion is the desk's default country for phone numbers typed
// without a country code, unless the store is told another (SetRegion).
const DefaultRegion = "FI"

// ValidRegion reports whether region is a country code (ISO 3166-1 alpha-2,
// "FI", "VN", "IN") that phone numbers can be read for.
func ValidRegion(region string) bool {
	return phonenumbers.GetSupportedRegions()[region]
}

// SetRegion sets the desk's default country for phone numbers (see
// NormalizePhone). Call it once, before the store serves; an unknown region
// is an error naming it.
func (s *Store) SetRegion(region string) error {
	if !ValidRegion(region) {
		return fmt.Errorf("unknown country %q: want an ISO 3166 code such as FI, VN or IN", region)
	}
	s.region = region
	return nil
}

// cleanPhone strips spaces, dashes, dots and brackets; ok is false when what
// remains is not a phone number (5 to 20 digits, an optional leading +).
func cleanPhone(s string) (string, bool) {
	p := phoneJunk.ReplaceAllString(strings.TrimSpace(s), "")
	return p, phoneValid.MatchString(p)
}

// NormalizePhone reads a phone number as typed ("040 123 4567",
// "+358-40-1234567", "00358 40 123 4567", "358401234567") and returns it in
// E.164 ("+358401234567"); a number without a country code is read in
// region, the desk's default country. A number the phone metadata does not
// know as valid (an extension, a short internal number) is kept as typed,
// without spaces and punctuation. ok is false when s is no phone number.
func NormalizePhone(s, region string) (string, bool) {
	p, ok := cleanPhone(s)
	if !ok {
		return p, false
	}
	if e, ok := e164(p, region); ok {
		return e, true
	}
	return p, true
}

// e164 is p (cleaned) in E.164 when the metadata knows it as a valid number:
// read in region, or else, for digits typed with their country code but
// without "+" or "00", as an international number.
func e164(p, region string) (string, bool) {
	if region == "" {
		region = DefaultRegion
	}
	if n, err := phonenumbers.Parse(p, region); err == nil && phonenumbers.IsValidNumber(n) {
		return phonenumbers.Format(n, phonenumbers.E164), true
	}
	if !strings.HasPrefix(p, "+") && !strings.HasPrefix(p, "0") {
		if n, err := phonenumbers.Parse("+"+p, "ZZ"); err == nil && phonenumbers.IsValidNumber(n) {
			return phonenumbers.Format(n, phonenumbers.E164), true
		}
	}
	return "", false
}

// phoneCandidates are the stored forms a typed phone number can have: its
// E.164 form first, then the cleaned digits as typed and the national form
// ("0401234567"), which customers saved before numbers were stored in E.164
// still have.
func phoneCandidates(s, region string) []string {
	p, ok := cleanPhone(s)
	if !ok {
		return nil
	}
	var out []string
	add := func(v string) {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if e, ok := e164(p, region); ok {
		add(e)
		if n, err := phonenumbers.Parse(e, "ZZ"); err == nil {
			add(phonenumbers.GetNddPrefixForRegion(phonenumbers.GetRegionCodeForNumber(n), true) + phonenumbers.GetNationalSignificantNumber(n))
		}
	}
	add(p)
	return out
}

// phonePrefixes are the beginnings of stored numbers that a partly typed
// number can be (customer suggestions while typing): as typed, and with the
// region's trunk prefix "0" or the international "00" read as "+<country>".
func phonePrefixes(p, region string) []string {
	out := []string{p}
	if region == "" {
		region = DefaultRegion
	}
	cc := strconv.Itoa(phonenumbers.GetCountryCodeForRegion(region))
	ndd := phonenumbers.GetNddPrefixForRegion(region, true)
	switch {
	case strings.HasPrefix(p, "00"):
		out = append(out, "+"+p[2:])
	case ndd != "" && strings.HasPrefix(p, ndd):
		out = append(out, "+"+cc+p[len(ndd):])
	case !strings.HasPrefix(p, "+"):
		out = append(out, "+"+p)
	}
	return out
}

// phonePart is the digits of a typed phone number to look for inside stored
// numbers ("123 4567" in "+358401234567"): without a leading "+", "00" or
// the region's trunk prefix "0"; "" when fewer than 7 remain (a shorter
// number is more likely an order or invoice number than part of a phone).
func phonePart(s, region string) string {
	p, ok := cleanPhone(s)
	if !ok {
		return ""
	}
	if region == "" {
		region = DefaultRegion
	}
	switch ndd := phonenumbers.GetNddPrefixForRegion(region, true); {
	case strings.HasPrefix(p, "+"):
		p = p[1:]
	case strings.HasPrefix(p, "00"):
		p = p[2:]
	case ndd != "" && strings.HasPrefix(p, ndd):
		p = p[len(ndd):]
	}
	if len(p) < 7 {
		return ""
	}
	return p
}
