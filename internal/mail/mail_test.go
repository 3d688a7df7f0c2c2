package mail_test

import (
	"bufio"
	"bytes"
	"context"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/grimbots/grimbots/internal/mail"
)

// fakeSMTP is a minimal SMTP server speaking RFC 5321 enough for a client
// that does EHLO, MAIL, RCPT, DATA and QUIT. It records the transaction.
type fakeSMTP struct {
	ln       net.Listener
	commands chan []string
	data     chan string
}

func startFakeSMTP(t *testing.T) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{ln: ln, commands: make(chan []string, 1), data: make(chan string, 1)}
	t.Cleanup(func() { ln.Close() })
	go f.serve()
	return f
}

func (f *fakeSMTP) serve() {
	conn, err := f.ln.Accept()
	if err != nil {
		return
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	w := bufio.NewWriter(conn)
	reply := func(s string) { w.WriteString(s + "\r\n"); w.Flush() }
	reply("220 fake ESMTP")
	var cmds []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		cmds = append(cmds, line)
		switch verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0]); verb {
		case "EHLO", "HELO":
			reply("250-fake\r\n250 8BITMIME")
		case "MAIL", "RCPT":
			reply("250 ok")
		case "DATA":
			reply("354 go ahead")
			var body strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				body.WriteString(l)
			}
			f.data <- body.String()
			reply("250 queued")
		case "QUIT":
			reply("221 bye")
			f.commands <- cmds
			return
		default:
			reply("502 unknown")
		}
	}
}

func TestSMTPSendsAWellFormedMessage(t *testing.T) {
	f := startFakeSMTP(t)
	_, port, _ := net.SplitHostPort(f.ln.Addr().String())
	p, _ := strconv.Atoi(port)
	m := mail.SMTP{Host: "127.0.0.1", Port: p, From: "grimbots <no-reply@grimbots.example>"}
	err := m.Send(context.Background(), mail.Message{To: "maria@example.com", Subject: "Redefinição de senha",
		Text: "Olá!\nlinha dois\n"})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	data := <-f.data
	cmds := <-f.commands
	joined := strings.Join(cmds, "\n")
	if !strings.Contains(joined, "MAIL FROM:<no-reply@grimbots.example>") || !strings.Contains(joined, "RCPT TO:<maria@example.com>") {
		t.Fatalf("envelope commands:\n%s", joined)
	}
	for _, want := range []string{"To: <maria@example.com>\r\n", "Subject: =?utf-8?q?Redefini=C3=A7=C3=A3o_de_senha?=\r\n",
		"Content-Type: text/plain; charset=utf-8\r\n", "\r\n\r\nOlá!\r\nlinha dois\r\n"} {
		if !strings.Contains(data, want) {
			t.Errorf("message lacks %q:\n%s", want, data)
		}
	}
}

func TestSMTPReportsAnUnreachableServer(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().(*net.TCPAddr)
	ln.Close()
	err := mail.SMTP{Host: "127.0.0.1", Port: addr.Port, From: "a@b.example"}.Send(context.Background(),
		mail.Message{To: "x@y.example", Subject: "s", Text: "t"})
	if err == nil || !strings.Contains(err.Error(), "mail: connecting") {
		t.Fatalf("err = %v", err)
	}
}

func TestLogMailerHidesSensitiveBodiesUnlessAllowed(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	msg := mail.Message{To: "x@y.example", Subject: "reset", Text: "link with token gbr_secret", Sensitive: true}
	_ = mail.Log{Logger: logger}.Send(context.Background(), msg)
	if strings.Contains(buf.String(), "gbr_secret") {
		t.Fatalf("production log shows the secret: %s", buf.String())
	}
	buf.Reset()
	_ = mail.Log{Logger: logger, ShowSensitive: true}.Send(context.Background(), msg)
	if !strings.Contains(buf.String(), "gbr_secret") {
		t.Fatalf("development log hides the link: %s", buf.String())
	}
}
