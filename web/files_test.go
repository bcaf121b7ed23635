package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"markaz"
	"markaz/attachment"
	"markaz/store"
)

var testPNG = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{9}, 200)...)

// A file is served only to whoever passes its owner's check; the bytes never reach others.
func TestFileServedAfterOwnerCheck(t *testing.T) {
	fileOwners["test-gov"] = func(tx *store.Tx, p *markaz.Principal, ownerID string) error {
		if !p.Allowed(markaz.PermCentersRead, markaz.Ref{Gov: ownerID}) {
			return markaz.ErrForbidden
		}
		return nil
	}
	t.Cleanup(func() { delete(fileOwners, "test-gov") })
	eachEnv(t, func(t *testing.T, e *env) {
		e.user("sharqia", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "13"))
		e.user("cairo", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "01"))
		f, err := attachment.Check("files", "لقطة\u202E.png", testPNG)
		if err != nil {
			t.Fatal(err)
		}
		var id, orphan string
		e.db.Write(context.Background(), func(tx *store.Tx) error {
			fi, err := tx.AddFile(store.Actor{Username: "x"}, "test-gov", "13", f)
			if err != nil {
				return err
			}
			id = fi.ID
			fi, err = tx.AddFile(store.Actor{Username: "x"}, "unregistered", "13", f)
			orphan = fi.ID
			return err
		})
		get := func(path, token string) *http.Response {
			req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}
		resp := get("/api/v1/files/"+id, e.token("sharqia"))
		var body bytes.Buffer
		body.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Equal(body.Bytes(), testPNG) ||
			resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "inline; filename=\"file\"; filename*=UTF-8''%D9%84%D9%82%D8%B7%D8%A9.png") ||
			!strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("owner: %d %v %d bytes", resp.StatusCode, resp.Header, body.Len())
		}
		for _, c := range []struct {
			path, token string
			want        int
		}{
			{"/api/v1/files/" + id, e.token("cairo"), 403},
			{"/api/v1/files/" + id, "", 401},
			{"/api/v1/files/" + orphan, e.token("sharqia"), 404},
			{"/api/v1/files/missing", e.token("sharqia"), 404},
		} {
			resp := get(c.path, c.token)
			body.Reset()
			body.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.want || bytes.Contains(body.Bytes(), testPNG[8:40]) {
				t.Errorf("%s: %d, want %d", c.path, resp.StatusCode, c.want)
			}
		}
	})
}

func TestReadUploads(t *testing.T) {
	mk := func(files map[string][]byte, n int) *http.Request {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.WriteField("description", "شاشة سوداء")
		for i := 0; i < n; i++ {
			for name, data := range files {
				w, _ := mw.CreateFormFile("files", name)
				w.Write(data)
			}
		}
		mw.Close()
		r := httptest.NewRequest("POST", "/x", &b)
		r.Header.Set("Content-Type", mw.FormDataContentType())
		return r
	}
	code := func(err error) string {
		if e, ok := err.(*markaz.Error); ok {
			if len(e.Fields) > 0 {
				return e.Fields[0].Code
			}
			return e.Key
		}
		return "?"
	}
	r := mk(map[string][]byte{"a.png": testPNG}, 2)
	got, err := readUploads(httptest.NewRecorder(), r, "files")
	if err != nil || len(got) != 2 || got[0].ContentType != "image/png" || r.FormValue("description") != "شاشة سوداء" {
		t.Fatalf("two pngs: %v %v", got, err)
	}
	if got, err := readUploads(httptest.NewRecorder(), mk(nil, 0), "files"); err != nil || len(got) != 0 {
		t.Errorf("no files: %v %v", got, err)
	}
	if _, err := readUploads(httptest.NewRecorder(), mk(map[string][]byte{"a.png": []byte("<svg onload=x>")}, 1), "files"); code(err) != "file_type" {
		t.Errorf("svg: %v", err)
	}
	if _, err := readUploads(httptest.NewRecorder(), mk(map[string][]byte{"a.png": testPNG}, maxUploadFiles+1), "files"); code(err) != "too_many_files" {
		t.Errorf("too many: %v", err)
	}
	plain := httptest.NewRequest("POST", "/x", strings.NewReader("a=b"))
	plain.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if _, err := readUploads(httptest.NewRecorder(), plain, "files"); code(err) != "error.not_multipart" {
		t.Errorf("not multipart: %v", err)
	}
}
