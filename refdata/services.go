package refdata

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"markaz"
	"markaz/catalog"
)

// ServiceSeed is one service as every deployment starts with it: the definition, its
// initial required duration in working days and its initial (illustrative) fee lines.
type ServiceSeed struct {
	Service     catalog.Service
	WorkingDays int
	Fees        []catalog.FeeLine
}

// The defaults below are data, not rules: they give every deployment a usable catalog
// that national administrators then correct. services.csv itself gives only codes,
// names, categories, statutory days and fee notes.

// categoryDocuments are the documents a service of each category asks for by default.
var categoryDocuments = map[string][]catalog.Document{
	"Planning & buildings": {docNationalID, docOwnership, docSitePlan, docEngineerDrawings},
	"Reconciliation of building violations": {docNationalID, docOwnership, docSitePlan,
		{NameAr: "صور فوتوغرافية للمخالفة", NameEn: "Photographs of the violation"},
		{NameAr: "تقرير هندسي معتمد بالسلامة الإنشائية", NameEn: "Certified structural safety report"}},
	"Utilities": {docNationalID, docOwnership, {NameAr: "صورة ترخيص البناء أو قرار التصالح", NameEn: "Copy of the building permit or reconciliation decision"}},
	"Public shops licensing": {docNationalID, docTenure,
		{NameAr: "صورة السجل التجاري أو البطاقة الضريبية", NameEn: "Commercial register or tax card copy"},
		{NameAr: "رسم كروكي للمحل", NameEn: "Sketch of the shop"}},
	"Roads & occupancy": {docNationalID, {NameAr: "رسم كروكي للموقع المطلوب إشغاله", NameEn: "Sketch of the location to occupy"}},
	"Advertising": {docNationalID, {NameAr: "تصميم الإعلان أو اللافتة بالأبعاد", NameEn: "Design of the advertisement or sign with dimensions"},
		{NameAr: "موافقة مالك العقار", NameEn: "Consent of the property owner"}},
	"Elevators":             {docNationalID, docOwnership, {NameAr: "شهادة الشركة المركبة المعتمدة", NameEn: "Certificate of the accredited installing company"}},
	"Occupants' unions":     {docNationalID, {NameAr: "محضر اجتماع الجمعية العمومية", NameEn: "Minutes of the general assembly"}},
	"Property & state land": {docNationalID, docSitePlan, {NameAr: "ما يثبت وضع اليد", NameEn: "Proof of occupancy"}},
	"Revenues & fees":       {docNationalID},
	"Citizen services":      {docNationalID},
}

var (
	docNationalID       = catalog.Document{NameAr: "صورة بطاقة الرقم القومي", NameEn: "National ID card copy"}
	docOwnership        = catalog.Document{NameAr: "مستند الملكية", NameEn: "Ownership document"}
	docTenure           = catalog.Document{NameAr: "عقد الإيجار أو مستند الملكية", NameEn: "Lease or ownership document"}
	docSitePlan         = catalog.Document{NameAr: "خريطة الموقع (كروكي مساحي)", NameEn: "Site plan"}
	docEngineerDrawings = catalog.Document{NameAr: "الرسومات الهندسية معتمدة من مهندس نقابي", NameEn: "Engineering drawings signed by a registered engineer"}
)

// onlineServices can be applied for online: simple certificates, statements, copies,
// notifications, payments and complaints. Permits that need an inspection are not.
var onlineServices = map[string]bool{"SITE-VALID": true, "ALIGN-LINE": true, "PERMIT-COPY": true,
	"SHOP-NOTIFY": true, "RECON-GRIEV": true, "OCC-UNION-UPDATE": true, "LOCAL-DUES": true, "COMPLAINT": true}

// deemedApprovedCategories are those whose statutory deadline, when it passes, counts as
// approval (shop licences, Law 154/2019; advertising, Law 208/2020). Other deadlines escalate.
var deemedApprovedCategories = map[string]bool{"Public shops licensing": true, "Advertising": true}

// categoryWorkingDays is the initial required duration per category, with per-service
// exceptions in serviceWorkingDays.
var categoryWorkingDays = map[string]int{"Planning & buildings": 20, "Reconciliation of building violations": 45,
	"Utilities": 10, "Public shops licensing": 20, "Roads & occupancy": 7, "Advertising": 20, "Elevators": 15,
	"Occupants' unions": 10, "Property & state land": 60, "Revenues & fees": 1, "Citizen services": 5}

var serviceWorkingDays = map[string]int{"SITE-VALID": 7, "ALIGN-LINE": 5, "PERMIT-COPY": 3, "SHOP-TEMP": 5,
	"UNSAFE-BLD": 5, "RECON-GRIEV": 30, "ELEV-INSTALL": 15}

// categoryFee is the illustrative single fee line per category, in piasters; serviceFees
// gives services with several lines or a fee note to follow.
var categoryFee = map[string]int64{"Planning & buildings": 50_000, "Reconciliation of building violations": 50_000,
	"Utilities": 20_000, "Public shops licensing": 100_000, "Roads & occupancy": 30_000, "Advertising": 100_000,
	"Elevators": 50_000, "Occupants' unions": 10_000, "Property & state land": 100_000, "Revenues & fees": 0,
	"Citizen services": 0}

var serviceFees = map[string][]catalog.FeeLine{
	"SITE-VALID": {{Key: "request", NameAr: "رسم الطلب", NameEn: "Request fee", AmountPiasters: 20_000}},
	"RECON-APP": {
		{Key: "examination", NameAr: "رسم الفحص", NameEn: "Examination fee", AmountPiasters: 500_000},
		{Key: "deposit", NameAr: "مقدم جدية التصالح", NameEn: "Deposit", AmountPiasters: 2_500_000},
		{Key: "balance", NameAr: "باقي قيمة التصالح (تحددها اللجنة)", NameEn: "Balance (set by the committee)", AmountPiasters: 0},
	},
}

var feeLineService = catalog.FeeLine{Key: "service", NameAr: "رسم الخدمة", NameEn: "Service fee"}

// Services parses the embedded services.csv into the initial catalog.
func Services() ([]ServiceSeed, error) { return ParseServices(bytes.NewReader(servicesCSV)) }

// ParseServices reads code,category_en,category_ar,name_en,name_ar,legal_max_days,fee_note,source
// strictly: the exact header, every field present, unique valid codes, known categories,
// names in both languages and legal_max_days empty or a positive whole number.
func ParseServices(r io.Reader) ([]ServiceSeed, error) {
	cr := csv.NewReader(r)
	want := []string{"code", "category_en", "category_ar", "name_en", "name_ar", "legal_max_days", "fee_note", "source"}
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("services header: %w", err)
	}
	if strings.Join(header, ",") != strings.Join(want, ",") {
		return nil, fmt.Errorf("services header: want %v, got %v", want, header)
	}
	var out []ServiceSeed
	seen := map[string]bool{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("services line %d: %w", line, err)
		}
		seed, err := serviceSeed(rec)
		if err != nil {
			return nil, fmt.Errorf("services line %d: %w", line, err)
		}
		if seen[seed.Service.Code] {
			return nil, fmt.Errorf("services line %d: code %s repeated", line, seed.Service.Code)
		}
		seen[seed.Service.Code] = true
		out = append(out, seed)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("services: no rows")
	}
	return out, nil
}

// serviceSeed builds one service from a record, with the defaults above.
func serviceSeed(rec []string) (ServiceSeed, error) {
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
	}
	code, catEn := rec[0], rec[1]
	docs, ok := categoryDocuments[catEn]
	if !ok {
		return ServiceSeed{}, fmt.Errorf("unknown category %q", catEn)
	}
	s := catalog.Service{Code: code, CategoryKey: catalog.CategoryKey(catEn), CategoryEn: catEn, CategoryAr: rec[2],
		NameEn: rec[3], NameAr: rec[4], FeeNote: rec[6], Source: rec[7], Online: onlineServices[code],
		Documents: append([]catalog.Document(nil), docs...), Steps: catalog.DefaultSteps()}
	if rec[5] != "" {
		days, err := strconv.Atoi(rec[5])
		if err != nil || days < 1 {
			return ServiceSeed{}, fmt.Errorf("legal_max_days %q: want a positive whole number", rec[5])
		}
		rule := &catalog.StatutoryRule{Days: days, OnExpiry: catalog.ExpiryEscalate}
		if deemedApprovedCategories[catEn] {
			rule.OnExpiry = catalog.ExpiryDeemedApproved
		}
		s.Statutory = rule
	}
	var v markaz.Validator
	s.Validate(&v)
	if err := v.Err(); err != nil {
		return ServiceSeed{}, fmt.Errorf("%s: %w", code, err)
	}
	days := categoryWorkingDays[catEn]
	if d, ok := serviceWorkingDays[code]; ok {
		days = d
	}
	fees := serviceFees[code]
	if fees == nil {
		l := feeLineService
		l.AmountPiasters = categoryFee[catEn]
		fees = []catalog.FeeLine{l}
	}
	return ServiceSeed{Service: s, WorkingDays: days, Fees: append([]catalog.FeeLine(nil), fees...)}, nil
}
