package inspection

// Checklist templates, their versions, and how a visit is scored.

import (
	"fmt"
	"strings"
	"time"

	"markaz"
)

// Checklist is a checklist template; its items live in versions.
type Checklist struct {
	ID             string    `json:"id" db:"id"`
	Code           string    `json:"code" db:"code"`
	NameAr         string    `json:"name_ar" db:"name_ar"`
	NameEn         string    `json:"name_en" db:"name_en"`
	CurrentVersion int       `json:"current_version" db:"current_version"`
	CreatedAt      time.Time `json:"created_at" db:"created_at"`
	UpdatedAt      time.Time `json:"updated_at" db:"updated_at"`
}

// Version is one version of a checklist: a fixed list of weighted items. Versions are
// only ever added; a visit keeps the version it was scored with.
type Version struct {
	ID          string    `json:"id" db:"id"`
	ChecklistID string    `json:"checklist_id" db:"checklist_id"`
	Number      int       `json:"version" db:"version"`
	Note        string    `json:"note" db:"note"`
	CreatedBy   string    `json:"created_by" db:"created_by"`
	CreatedAt   time.Time `json:"created_at" db:"created_at"`
	Items       []Item    `json:"items" db:"-"`
}

// TotalWeight is the sum of the version's weights.
func (v *Version) TotalWeight() int {
	n := 0
	for _, it := range v.Items {
		n += it.Weight
	}
	return n
}

// Item is one weighted checklist item. Key is stable across versions (a visit form
// carries scores by key), names and guides are in both languages.
type Item struct {
	ID      string `json:"id" db:"id"`
	Key     string `json:"key" db:"item_key"`
	NameAr  string `json:"name_ar" db:"name_ar"`
	NameEn  string `json:"name_en" db:"name_en"`
	GuideAr string `json:"guide_ar" db:"guide_ar"`
	GuideEn string `json:"guide_en" db:"guide_en"`
	Weight  int    `json:"weight" db:"weight"`
}

// CheckChecklist normalises and checks a checklist's names and code.
func CheckChecklist(v *markaz.Validator, c *Checklist) {
	c.Code = strings.ToUpper(strings.TrimSpace(markaz.LatinDigits(c.Code)))
	c.NameAr, c.NameEn = strings.TrimSpace(c.NameAr), strings.TrimSpace(c.NameEn)
	v.Code("code", c.Code)
	v.Text("name_ar", c.NameAr, MaxNameLen, true)
	v.Text("name_en", c.NameEn, MaxNameLen, true)
}

// CheckItems normalises and checks the items of a new version: one to MaxItems, keys
// well formed and unique, both names, weights 1..MaxWeight. Problems name
// "items.<i>.<field>".
func CheckItems(v *markaz.Validator, items []Item) {
	switch {
	case len(items) == 0:
		v.Add("items", "required", nil)
	case len(items) > MaxItems:
		v.Add("items", "too_many", map[string]any{"max": MaxItems})
	}
	seen := map[string]bool{}
	for i := range items {
		it := &items[i]
		f := fmt.Sprintf("items.%d.", i)
		it.Key = strings.ToLower(strings.TrimSpace(it.Key))
		it.NameAr, it.NameEn = strings.TrimSpace(it.NameAr), strings.TrimSpace(it.NameEn)
		it.GuideAr, it.GuideEn = strings.TrimSpace(it.GuideAr), strings.TrimSpace(it.GuideEn)
		switch {
		case it.Key == "":
			v.Add(f+"key", "required", nil)
		case !itemKeyRE.MatchString(it.Key):
			v.Add(f+"key", "item_key_format", nil)
		case seen[it.Key]:
			v.Add(f+"key", "duplicate_key", nil)
		}
		seen[it.Key] = true
		v.Text(f+"name_ar", it.NameAr, MaxNameLen*2, true)
		v.Text(f+"name_en", it.NameEn, MaxNameLen*2, true)
		v.Text(f+"guide_ar", it.GuideAr, MaxNoteLen, false)
		v.Text(f+"guide_en", it.GuideEn, MaxNoteLen, false)
		if it.Weight < 1 || it.Weight > MaxWeight {
			v.Add(f+"weight", "between", map[string]any{"min": 1, "max": MaxWeight})
		}
	}
}

// Mark is the score given to one item at a visit, with the member's note. Score is a
// pointer so that a missing score is told from a zero.
type Mark struct {
	Key   string `json:"key"`
	Score *int   `json:"score"`
	Note  string `json:"note"`
}

// CheckMarks checks that marks score every item of items exactly once on the scale,
// with notes of at most MaxNoteLen, and returns the scores by key. Problems name
// "items.<key>" (the score) and "notes.<key>"; a mark for a key the version lacks
// names "items".
func CheckMarks(v *markaz.Validator, items []Item, marks []Mark) map[string]int {
	known := map[string]bool{}
	for _, it := range items {
		known[it.Key] = true
	}
	scores := map[string]int{}
	seen := map[string]bool{}
	for i := range marks {
		m := &marks[i]
		m.Key = strings.TrimSpace(m.Key)
		m.Note = strings.TrimSpace(m.Note)
		switch {
		case !known[m.Key]:
			v.Add("items", "unknown_item", map[string]any{"key": m.Key})
			continue
		case seen[m.Key]:
			v.Add("items."+m.Key, "scored_twice", nil)
			continue
		}
		seen[m.Key] = true
		v.Text("notes."+m.Key, m.Note, MaxNoteLen, false)
		switch {
		case m.Score == nil:
		case *m.Score < ScoreNo || *m.Score > MaxScore:
			v.Add("items."+m.Key, "between", map[string]any{"min": ScoreNo, "max": MaxScore})
		default:
			scores[m.Key] = *m.Score
		}
	}
	for _, it := range items {
		if _, ok := scores[it.Key]; !ok && !v.Has("items."+it.Key) {
			v.Add("items."+it.Key, "not_scored", nil)
		}
	}
	return scores
}

// Score is a visit's 0–100 score: Σ(weight × score/MaxScore) / Σ weight × 100, in
// integers, rounded half up. Every item must carry a score on the scale and a positive
// weight (CheckItems, CheckMarks); otherwise it is an error, never a made-up number.
func Score(items []Item, scores map[string]int) (int, error) {
	var num, weights int
	for _, it := range items {
		s, ok := scores[it.Key]
		if !ok || s < ScoreNo || s > MaxScore || it.Weight < 1 {
			return 0, fmt.Errorf("inspection: item %q has no valid score or weight", it.Key)
		}
		num += it.Weight * s
		weights += it.Weight
	}
	if weights == 0 {
		return 0, fmt.Errorf("inspection: a checklist without items has no score")
	}
	den := MaxScore * weights
	return (200*num + den) / (2 * den), nil
}
