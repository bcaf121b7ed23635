package web

// Attachments: reading uploads (multipart, bounded, checked by content through
// attachment.Check) and serving a stored file after the access check of the record it
// belongs to. Each area that attaches files registers that check in fileOwners from its
// own file, under the owner kind it stores.

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"markaz"
	"markaz/attachment"
	"markaz/store"
)

// fileAccess checks that p may read the owner record ownerID (ErrNotFound or ErrForbidden
// otherwise).
type fileAccess func(tx *store.Tx, p *markaz.Principal, ownerID string) error

// fileOwners maps an owner kind to its access check. A kind without a check is never
// served.
var fileOwners = map[string]fileAccess{}

// maxUploadFiles bounds the files one form or API call may carry.
const maxUploadFiles = 5

// readUploads parses a multipart request (parseUploads) and checks the files in field
// (uploadsIn). A form without files in field gives none and no error.
func readUploads(w http.ResponseWriter, r *http.Request, field string) ([]*attachment.File, error) {
	if err := parseUploads(w, r); err != nil {
		return nil, err
	}
	return uploadsIn(r, field)
}

// parseUploads parses a multipart request whose body holds at most maxUploadFiles files'
// worth of bytes (attachment.MaxBytes each) plus 1 MiB of text fields.
func parseUploads(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadFiles*attachment.MaxBytes+1<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &markaz.Error{Code: markaz.EInvalid, Key: "error.body_too_large"}
		}
		if errors.Is(err, http.ErrNotMultipart) {
			return &markaz.Error{Code: markaz.EInvalid, Key: "error.not_multipart"}
		}
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.bad_form"}
	}
	return nil
}

// uploadsIn checks the files of field in a parsed multipart form (at most maxUploadFiles).
func uploadsIn(r *http.Request, field string) ([]*attachment.File, error) {
	var heads []*multipart.FileHeader
	if r.MultipartForm != nil {
		heads = r.MultipartForm.File[field]
	}
	var v markaz.Validator
	if len(heads) > maxUploadFiles {
		v.Add(field, "too_many_files", map[string]any{"max": maxUploadFiles})
		return nil, v.Err()
	}
	var out []*attachment.File
	for _, h := range heads {
		if h.Size == 0 && h.Filename == "" { // an empty file input
			continue
		}
		f, err := readPart(h, field)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func readPart(h *multipart.FileHeader, field string) (*attachment.File, error) {
	if err := attachment.CheckSize(field, h.Size); err != nil {
		return nil, err
	}
	fh, err := h.Open()
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, attachment.MaxBytes+1))
	if err != nil {
		return nil, err
	}
	return attachment.Check(field, h.Filename, data)
}

// handleFile serves an attachment to a principal who may read its owner record; anyone
// else gets 404 (or 403 when the owner check says so), never the bytes.
func (s *Server) handleFile(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, "")
	if err != nil {
		return err
	}
	var fi *store.FileInfo
	var data []byte
	err = s.db.Read(r.Context(), func(tx *store.Tx) error {
		if fi, err = tx.File(r.PathValue("id")); err != nil {
			return err
		}
		check, ok := fileOwners[fi.OwnerKind]
		if !ok {
			return markaz.ErrNotFound
		}
		if err := check(tx, p, fi.OwnerID); err != nil {
			return err
		}
		data, err = tx.FileData(fi.ID)
		return err
	})
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", fi.ContentType)
	h.Set("Content-Length", fmt.Sprint(len(data)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'")
	h.Set("Cache-Control", "private, no-store")
	disp := "attachment"
	if strings.HasPrefix(fi.ContentType, "image/") || fi.ContentType == "application/pdf" {
		disp = "inline"
	}
	h.Set("Content-Disposition", fmt.Sprintf(`%s; filename="file"; filename*=UTF-8''%s`, disp,
		url.PathEscape(fi.Name)))
	_, err = w.Write(data)
	return err
}
