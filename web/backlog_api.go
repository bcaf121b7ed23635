package web

// Backlog entry over JSON: campaigns, estimates and operators; imports (upload, progress,
// error report) and the template; keyed records with their blind second keying and the
// supervisor's decision; progress. The store checks every campaign's access (managers
// over its territory, readers of it, member operators within their own territory); the
// handlers only decode, call and answer. The UI (backlog.go) shares the helpers below.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"

	"markaz"
	"markaz/backlog"
	"markaz/importer"
	"markaz/sheet"
	"markaz/store"
)

// MaxImportBytes bounds an uploaded backlog file: a million rows of the template take
// about 120 MB as CSV and much less as XLSX.
const MaxImportBytes = 512 << 20

// campaignFor reads campaign id for p, who must be allowed what need asks (nil: reading).
func (s *Server) campaignFor(r *http.Request, p *markaz.Principal, id string, need func(store.CampaignAccess) bool) (*store.CampaignRow, error) {
	return inRead(r, s.db, func(tx *store.Tx) (*store.CampaignRow, error) {
		c, _, err := tx.CampaignFor(p, id, need)
		return c, err
	})
}

// recordFor reads record id as p may see it.
func (s *Server) recordFor(r *http.Request, p *markaz.Principal, id string) (*store.Record, error) {
	return inRead(r, s.db, func(tx *store.Tx) (*store.Record, error) { return tx.RecordFor(p, id) })
}

// backlogGet answers a JSON read: the caller needs a backlog permission, get reads.
func backlogGet[T any](w http.ResponseWriter, r *http.Request, get func(p *markaz.Principal) (T, error)) error {
	p, err := needBacklog(r)
	if err != nil {
		return err
	}
	out, err := get(p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// needBacklog returns the principal if it holds any backlog permission.
func needBacklog(r *http.Request) (*markaz.Principal, error) {
	p, err := need(r, "")
	if err != nil {
		return nil, err
	}
	for _, perm := range []string{markaz.PermBacklogRead, markaz.PermBacklogManage, markaz.PermBacklogEnter} {
		if p.Can(perm) {
			return p, nil
		}
	}
	return nil, markaz.ErrForbidden
}

// campaignOut is a campaign as the API shows it, with what the caller may do in it.
type campaignOut struct {
	*store.CampaignRow
	Centers   []store.CampaignCenter `json:"centers,omitempty"`
	Operators []store.Operator       `json:"operators,omitempty"`
}

func (s *Server) apiCampaigns(w http.ResponseWriter, r *http.Request) error {
	p, err := needBacklog(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	list, err := s.db.Campaigns(r.Context(), p, store.CampaignFilter{Gov: markaz.LatinDigits(q.Get("governorate")),
		Status: q.Get("status")})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page[store.CampaignRow]{Items: list})
}

// campaignBody is a campaign as a client sends it.
type campaignBody struct {
	Name          string      `json:"name"`
	Governorate   string      `json:"governorate"`
	Unit          string      `json:"unit"`
	StartsOn      markaz.Date `json:"starts_on"`
	EndsOn        markaz.Date `json:"ends_on"`
	Status        string      `json:"status"`
	SamplePercent *int        `json:"sample_percent"`
}

func (b campaignBody) campaign() *backlog.Campaign {
	c := &backlog.Campaign{Name: b.Name, GovCode: b.Governorate, UnitCode: b.Unit, StartsOn: b.StartsOn, EndsOn: b.EndsOn,
		Status: b.Status, SamplePercent: backlog.DefaultSample}
	if b.SamplePercent != nil {
		c.SamplePercent = *b.SamplePercent
	}
	return c
}

// createCampaign validates and creates c for p.
func (s *Server) createCampaign(r *http.Request, p *markaz.Principal, c *backlog.Campaign) (*store.CampaignRow, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return inWrite(r, s.db, func(tx *store.Tx) (*store.CampaignRow, error) { return tx.CreateCampaign(p, c) })
}

func (s *Server) apiCreateCampaign(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermBacklogManage, http.StatusCreated, func(p *markaz.Principal, b campaignBody) (*store.CampaignRow, error) {
		return s.createCampaign(r, p, b.campaign())
	})
}

// loadCampaign reads campaign id with its centers and operators for p.
func (s *Server) loadCampaign(r *http.Request, p *markaz.Principal, id string) (*campaignOut, error) {
	out := &campaignOut{}
	err := s.db.Read(r.Context(), func(tx *store.Tx) (err error) {
		var a store.CampaignAccess
		if out.CampaignRow, a, err = tx.CampaignFor(p, id, nil); err != nil {
			return err
		}
		out.CampaignRow.Access = a
		if out.Centers, err = tx.CampaignCenters(&out.Campaign); err != nil {
			return err
		}
		out.Operators, err = tx.CampaignOperators(id)
		return err
	})
	return out, err
}

func (s *Server) apiCampaign(w http.ResponseWriter, r *http.Request) error {
	return backlogGet(w, r, func(p *markaz.Principal) (*campaignOut, error) { return s.loadCampaign(r, p, r.PathValue("id")) })
}

// updateCampaign applies e to campaign id for p.
func (s *Server) updateCampaign(r *http.Request, p *markaz.Principal, id string, e store.CampaignEdit) (*store.CampaignRow, error) {
	return inWrite(r, s.db, func(tx *store.Tx) (*store.CampaignRow, error) { return tx.UpdateCampaign(p, id, e) })
}

func (s *Server) apiUpdateCampaign(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermBacklogManage, http.StatusOK, func(p *markaz.Principal, e store.CampaignEdit) (*store.CampaignRow, error) {
		return s.updateCampaign(r, p, r.PathValue("id"), e)
	})
}

// estimatesBody sets centers' estimates; a center is named by id or by code.
type estimatesBody struct {
	Estimates []struct {
		CenterID   string `json:"center_id"`
		CenterCode string `json:"center_code"`
		Files      int    `json:"files"`
	} `json:"estimates"`
}

func (s *Server) apiSetEstimates(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermBacklogManage, http.StatusOK, func(p *markaz.Principal, b estimatesBody) (*campaignOut, error) {
		id := r.PathValue("id")
		err := s.db.Write(r.Context(), func(tx *store.Tx) error {
			var es []backlog.Estimate
			for _, e := range b.Estimates {
				if e.CenterID == "" && e.CenterCode != "" {
					if c, err := tx.GetCenterByCode(strings.ToUpper(strings.TrimSpace(e.CenterCode))); err == nil {
						e.CenterID = c.ID
					}
				}
				es = append(es, backlog.Estimate{CenterID: e.CenterID, Files: e.Files})
			}
			return tx.SetEstimates(p, id, es)
		})
		if err != nil {
			return nil, err
		}
		return s.loadCampaign(r, p, id)
	})
}

// addOperator makes username an operator of campaign id.
func (s *Server) addOperator(r *http.Request, p *markaz.Principal, id, username string) (*store.Operator, error) {
	return inWrite(r, s.db, func(tx *store.Tx) (*store.Operator, error) { return tx.AddOperator(p, id, username) })
}

func (s *Server) apiAddOperator(w http.ResponseWriter, r *http.Request) error {
	type body struct {
		Username string `json:"username"`
	}
	return jsonAction(w, r, markaz.PermBacklogManage, http.StatusOK, func(p *markaz.Principal, b body) (*store.Operator, error) {
		return s.addOperator(r, p, r.PathValue("id"), b.Username)
	})
}

func (s *Server) removeOperator(r *http.Request) error {
	p, err := need(r, markaz.PermBacklogManage)
	if err != nil {
		return err
	}
	return s.db.Write(r.Context(), func(tx *store.Tx) error {
		return tx.RemoveOperator(p, r.PathValue("id"), r.PathValue("uid"))
	})
}

func (s *Server) apiRemoveOperator(w http.ResponseWriter, r *http.Request) error {
	if err := s.removeOperator(r); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// upload reads a multipart upload's "file" part into the database, chunk by chunk (one
// chunk in memory), as a new import of campaign id, and queues the import's job. The
// request may take long: its read deadline is lifted to half an hour.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, p *markaz.Principal, id string) (*store.Import, error) {
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(30 * time.Minute))
	r.Body = http.MaxBytesReader(w, r.Body, MaxImportBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, &markaz.Error{Code: markaz.EInvalid, Key: "error.not_multipart"}
	}
	var part *multipart.Part
	for {
		part, err = mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, fieldErrOf("file", "required")
		}
		if err != nil {
			return nil, uploadErr(err)
		}
		if part.FormName() == "file" && part.FileName() != "" {
			break
		}
	}
	var im *store.Import
	if err := s.db.Write(r.Context(), func(tx *store.Tx) (err error) {
		im, err = tx.CreateImport(p, store.NewImport{Campaign: id, Origin: store.OriginUpload, FileName: part.FileName()})
		return err
	}); err != nil {
		return nil, err
	}
	sum := sha256.New()
	buf := make([]byte, store.ChunkSize)
	var size int64
	var head []byte
	for seq := 0; ; seq++ {
		n, rerr := io.ReadFull(part, buf)
		if n > 0 {
			sum.Write(buf[:n])
			if head == nil {
				head = append([]byte{}, buf[:min(n, 8)]...)
			}
			size += int64(n)
			if err := s.db.Write(r.Context(), func(tx *store.Tx) error { return tx.AddImportChunk(im.ID, seq, buf[:n]) }); err != nil {
				return nil, s.abandonUpload(r, im.ID, err)
			}
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			return nil, s.abandonUpload(r, im.ID, uploadErr(rerr))
		}
	}
	if size == 0 {
		return nil, s.abandonUpload(r, im.ID, fieldErrOf("file", "empty_file"))
	}
	err = s.db.Write(r.Context(), func(tx *store.Tx) (err error) {
		im, err = tx.QueueImport(im.ID, hex.EncodeToString(sum.Sum(nil)), size, string(sheet.Sniff(head)))
		return err
	})
	return im, err
}

// abandonUpload fails an import whose upload did not complete (its chunks go), with the
// cause's own field problem when it has one, and returns the cause.
func (s *Server) abandonUpload(r *http.Request, id string, cause error) error {
	problem := markaz.FieldError{Field: "file", Code: "upload_incomplete"}
	if e := asError(cause); e.Code == markaz.EInvalid && len(e.Fields) > 0 {
		problem = e.Fields[0]
	}
	s.db.Write(context.WithoutCancel(r.Context()), func(tx *store.Tx) error {
		return tx.FinishImport(id, []markaz.FieldError{problem}, nil)
	})
	return cause
}

func uploadErr(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.body_too_large",
			Fields: []markaz.FieldError{{Field: "file", Code: "file_too_large", Args: map[string]any{"max_mb": MaxImportBytes >> 20}}}}
	}
	return &markaz.Error{Code: markaz.EInvalid, Key: "error.bad_form", Err: err}
}

func fieldErrOf(field, code string) error {
	var v markaz.Validator
	v.Add(field, code, nil)
	return v.Err()
}

// apiUpload: POST /api/v1/backlog/campaigns/{id}/imports (multipart, part "file") →
// 202 with the queued import; follow it at /api/v1/backlog/imports/{id}.
func (s *Server) apiUpload(w http.ResponseWriter, r *http.Request) error {
	p, err := needBacklog(r)
	if err != nil {
		return err
	}
	im, err := s.upload(w, r, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/backlog/imports/"+im.ID)
	return writeJSON(w, http.StatusAccepted, importOut(im))
}

// importView is an import with its progress share.
type importView struct {
	*store.Import
	Percent  int                 `json:"percent"`
	Problems []markaz.FieldError `json:"problems,omitempty"`
}

func importOut(im *store.Import) importView {
	return importView{Import: im, Percent: im.Percent(), Problems: im.Problems()}
}

// readImport loads import id for p.
func (s *Server) readImport(r *http.Request, p *markaz.Principal) (*store.Import, store.CampaignAccess, error) {
	var im *store.Import
	var a store.CampaignAccess
	err := s.db.Read(r.Context(), func(tx *store.Tx) (err error) {
		im, a, err = tx.ImportFor(p, r.PathValue("id"))
		return err
	})
	return im, a, err
}

func (s *Server) apiImport(w http.ResponseWriter, r *http.Request) error {
	return backlogGet(w, r, func(p *markaz.Principal) (importView, error) {
		im, _, err := s.readImport(r, p)
		if err != nil {
			return importView{}, err
		}
		return importOut(im), nil
	})
}

func (s *Server) apiImports(w http.ResponseWriter, r *http.Request) error {
	p, err := needBacklog(r)
	if err != nil {
		return err
	}
	var list []store.Import
	err = s.db.Read(r.Context(), func(tx *store.Tx) error {
		if _, _, err := tx.CampaignFor(p, r.PathValue("id"), nil); err != nil {
			return err
		}
		list, err = tx.Imports(r.PathValue("id"), 200)
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page[store.Import]{Items: list})
}

// download sets the headers of a spreadsheet download named name.f.
func download(w http.ResponseWriter, name string, f sheet.Format) {
	ct := "text/csv; charset=utf-8"
	if f == sheet.XLSX {
		ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"; filename*=UTF-8''%s.%s`,
		"backlog", f, url.PathEscape(name), f))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
}

// handleImportReport serves an import's error report (UI and API) in the reader's
// language: GET …/imports/{id}/errors.csv or errors.xlsx.
func (s *Server) handleImportReport(f sheet.Format) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := needBacklog(r)
		if err != nil {
			return err
		}
		im, _, err := s.readImport(r, p)
		if err != nil {
			return err
		}
		lang := info(r).lang
		download(w, "backlog-errors-"+im.ID[len(im.ID)-12:], f)
		return importer.WriteReport(r.Context(), s.db, im, w, f, lang)
	}
}

// handleTemplate serves the import template (UI and API): header row only, in Arabic or
// English (?lang=, default the reader's language).
func (s *Server) handleTemplate(f sheet.Format) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := needBacklog(r); err != nil {
			return err
		}
		lang := info(r).lang
		if l := r.URL.Query().Get("lang"); l == "ar" || l == "en" {
			lang = l
		}
		download(w, "backlog-template-"+lang, f)
		out, err := sheet.NewWriter(w, f, lang == "ar")
		if err != nil {
			return err
		}
		if err := out.Write(backlog.TemplateHeader(lang)); err != nil {
			return err
		}
		return out.Close()
	}
}

// enterRecord records p's first keying of e in campaign id.
func (s *Server) enterRecord(r *http.Request, p *markaz.Principal, id string, e backlog.Entry) (*store.Record, error) {
	return inWrite(r, s.db, func(tx *store.Tx) (*store.Record, error) { return tx.EnterRecord(p, id, e) })
}

func (s *Server) apiEnterRecord(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermBacklogEnter, http.StatusCreated, func(p *markaz.Principal, e backlog.Entry) (*store.Record, error) {
		return s.enterRecord(r, p, r.PathValue("id"), e)
	})
}

// recordFilter reads a record list's filters and paging.
func recordFilter(r *http.Request, campaign string) (store.RecordFilter, error) {
	limit, after, err := pageParams(r)
	if err != nil {
		return store.RecordFilter{}, err
	}
	q := r.URL.Query()
	f := store.RecordFilter{Campaign: campaign, Status: q.Get("status"), Check: q.Get("verification"),
		Center: strings.TrimSpace(q.Get("center")), Legacy: q.Get("legacy"), Mine: q.Get("mine") == "true", Limit: limit}
	if len(after) > 0 {
		f.After = after[0]
	}
	var v markaz.Validator
	if f.Status != "" {
		v.OneOf("status", f.Status, backlog.RecordStatuses...)
	}
	if f.Check != "" {
		v.OneOf("verification", f.Check, backlog.Checks...)
	}
	return f, v.Err()
}

func (s *Server) apiRecords(w http.ResponseWriter, r *http.Request) error {
	p, err := needBacklog(r)
	if err != nil {
		return err
	}
	f, err := recordFilter(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	rows, next, err := s.db.Records(r.Context(), p, f)
	if err != nil {
		return err
	}
	out := page[store.Record]{Items: rows}
	if next != "" {
		out.NextCursor = encodeCursor(next)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiRecord(w http.ResponseWriter, r *http.Request) error {
	return backlogGet(w, r, func(p *markaz.Principal) (*store.Record, error) { return s.recordFor(r, p, r.PathValue("id")) })
}

// correctBody is the author's correction of a keyed file.
type correctBody struct {
	backlog.Entry
	Version *int `json:"version"`
}

func (s *Server) apiCorrectRecord(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermBacklogEnter, http.StatusOK, func(p *markaz.Principal, b correctBody) (*store.Record, error) {
		return inWrite(r, s.db, func(tx *store.Tx) (*store.Record, error) {
			return tx.CorrectRecord(p, r.PathValue("id"), b.Entry, b.Version)
		})
	})
}

func (s *Server) apiNextToVerify(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermBacklogVerify)
	if err != nil {
		return err
	}
	rec, err := inRead(r, s.db, func(tx *store.Tx) (*store.Record, error) {
		return tx.NextToVerify(p, r.PathValue("id"), strings.Split(r.URL.Query().Get("skip"), ","))
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rec)
}

// verifyBody is a blind second keying.
type verifyBody struct {
	backlog.Second
	Version *int `json:"version"`
}

// verifyRecord records p's second keying of record id.
func (s *Server) verifyRecord(r *http.Request, p *markaz.Principal, id string, b verifyBody) (*store.Verified, error) {
	return inWrite(r, s.db, func(tx *store.Tx) (*store.Verified, error) { return tx.VerifyRecord(p, id, b.Second, b.Version) })
}

func (s *Server) apiVerifyRecord(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermBacklogVerify, http.StatusOK, func(p *markaz.Principal, b verifyBody) (*store.Verified, error) {
		return s.verifyRecord(r, p, r.PathValue("id"), b)
	})
}

// decideRecord applies a supervisor's decision on record id.
func (s *Server) decideRecord(r *http.Request, p *markaz.Principal, id string, d store.Decision) (*store.Record, error) {
	return inWrite(r, s.db, func(tx *store.Tx) (*store.Record, error) { return tx.DecideRecord(p, id, d) })
}

func (s *Server) apiDecideRecord(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermBacklogManage, http.StatusOK, func(p *markaz.Principal, d store.Decision) (*store.Record, error) {
		return s.decideRecord(r, p, r.PathValue("id"), d)
	})
}

// progressFilter reads ?governorate= or ?campaign=.
func progressFilter(r *http.Request) (store.ProgressFilter, error) {
	q := r.URL.Query()
	f := store.ProgressFilter{Gov: markaz.LatinDigits(strings.TrimSpace(q.Get("governorate"))),
		Campaign: strings.TrimSpace(q.Get("campaign"))}
	var v markaz.Validator
	if f.Gov != "" && (len(f.Gov) != 2 || digitsOnlyWeb(f.Gov) != f.Gov) {
		v.Add("governorate", "unknown_governorate", nil)
	}
	if f.Campaign != "" && !markaz.ValidID(f.Campaign) {
		v.Add("campaign", "unknown_campaign", nil)
	}
	return f, v.Err()
}

// apiProgress: GET /api/v1/backlog/progress?governorate=CODE (or ?campaign=ID, or
// neither for every campaign the caller may see) → estimated, entered, verified, … in
// total and per campaign, governorate, district and center, with the daily trend and
// each operator's output.
func (s *Server) apiProgress(w http.ResponseWriter, r *http.Request) error {
	p, err := needBacklog(r)
	if err != nil {
		return err
	}
	f, err := progressFilter(r)
	if err != nil {
		return err
	}
	out, err := s.db.BacklogProgress(r.Context(), p, f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, progressOut{Progress: out, Figures: out.Total.Figures, Share: out.Total.Share})
}

// progressOut puts the totals at the top level: {"estimated", "entered", "verified", …}.
type progressOut struct {
	backlog.Figures
	Share int `json:"share_done_percent"`
	*store.Progress
}
