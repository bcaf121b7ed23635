// Package refdata holds the public reference data Markaz ships with, embedded: the 27
// governorates and their districts/cities (egypt-admin-units.csv) and the local service
// catalog (services.csv). Every deployment loads the territory on start.
package refdata

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"

	"markaz"
)

//go:embed egypt-admin-units.csv
var adminUnitsCSV []byte

//go:embed services.csv
var servicesCSV []byte

// AdminUnitsCSV returns the raw territory file.
func AdminUnitsCSV() []byte { return adminUnitsCSV }

// ServicesCSV returns the raw service catalog file.
func ServicesCSV() []byte { return servicesCSV }

// Territory parses the embedded territory file into governorates (in file order) and units.
func Territory() ([]markaz.Governorate, []markaz.Unit, error) {
	return ParseTerritory(bytes.NewReader(adminUnitsCSV))
}

// ParseTerritory reads unit_code,gov_code,gov_name_ar,gov_name_en,unit_name_ar,unit_name_en,unit_type.
func ParseTerritory(r io.Reader) ([]markaz.Governorate, []markaz.Unit, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, nil, err
	}
	want := []string{"unit_code", "gov_code", "gov_name_ar", "gov_name_en", "unit_name_ar", "unit_name_en", "unit_type"}
	if len(header) != len(want) {
		return nil, nil, fmt.Errorf("territory header: want %v", want)
	}
	for i := range want {
		if header[i] != want[i] {
			return nil, nil, fmt.Errorf("territory header column %d: want %s, got %s", i+1, want[i], header[i])
		}
	}
	var govs []markaz.Governorate
	seen := map[string]bool{}
	var units []markaz.Unit
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("territory line %d: %w", line, err)
		}
		u := markaz.Unit{Code: rec[0], GovCode: rec[1], NameAr: rec[4], NameEn: rec[5], Type: rec[6]}
		if err := u.Validate(); err != nil {
			return nil, nil, fmt.Errorf("territory line %d: %w", line, err)
		}
		if !seen[rec[1]] {
			seen[rec[1]] = true
			govs = append(govs, markaz.Governorate{Code: rec[1], NameAr: rec[2], NameEn: rec[3]})
		}
		units = append(units, u)
	}
	return govs, units, nil
}
