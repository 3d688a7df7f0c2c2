package auth

import (
	"context"
	"fmt"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/mail"
)

// RequestPasswordReset emails a single-use reset link if email belongs to an
// account. The answer is the same whether or not it does, and the email is a
// job sent by a worker after the request returns, so neither content nor
// timing tells. The job holds the link sealed with the encryption keys.
func (s *Service) RequestPasswordReset(ctx context.Context, email string, m Meta) error {
	email = NormalizeEmail(email)
	if err := collect(checkEmail("body.email", email)); err != nil {
		return err
	}
	if err := s.limit(ctx, "reset:ip:"+m.IP, s.cfg.ResetPerIP, true); err != nil {
		return err
	}
	u, err := s.store.UserByLogin(ctx, email)
	if grimbots.ErrorCode(err) == grimbots.ENOTFOUND || (u != nil && (u.Email != email || u.Banned())) {
		return nil
	} else if err != nil {
		return err
	}
	// The per-account limit is silent: telling the caller would reveal that
	// the account exists.
	if res, err := s.limiter.Take(ctx, "reset:account:"+email, s.cfg.ResetPerAccount); err != nil || !res.Allowed {
		return err
	}
	token := newToken(resetPrefix)
	now := s.now()
	link := *s.cfg.PublicURL
	link.Path += "/reset-password"
	link.RawQuery = "token=" + token
	job, err := mail.NewJob(s.keys, mail.Message{
		To:      u.Email,
		Subject: "Redefinição de senha do grimbots",
		Text: fmt.Sprintf("Olá, %s!\n\nRecebemos um pedido para redefinir a senha da sua conta no grimbots.\n"+
			"Para escolher uma nova senha, abra o link abaixo (válido por %d minutos):\n\n%s\n\n"+
			"Se não foi você, ignore este e-mail: sua senha continua a mesma.\n",
			u.Username, int(s.cfg.ResetTTL.Minutes()), link.String()),
		Sensitive: true,
	})
	if err != nil {
		return err
	}
	r := &grimbots.PasswordReset{UserID: u.ID, TokenHash: s.tokenHash("reset", token), CreatedAt: now, ExpiresAt: now.Add(s.cfg.ResetTTL)}
	return s.store.CreatePasswordReset(ctx, r, job, s.audit(grimbots.AuditPasswordResetAsk, nil, &u.ID, m, nil))
}

// ResetPassword sets a new password with a reset token and ends every
// session of the account.
func (s *Service) ResetPassword(ctx context.Context, token, password string, m Meta) error {
	if err := s.limit(ctx, "reset:ip:"+m.IP, s.cfg.ResetPerIP, true); err != nil {
		return err
	}
	gone := grimbots.Errorf(grimbots.EGONE, "the reset link is invalid or has expired")
	if !plausibleToken(token, resetPrefix) {
		return gone
	}
	if err := collect(checkPassword("body.new_password", password)); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(password)
	if err != nil {
		return err
	}
	_, err = s.store.UsePasswordReset(ctx, s.tokenHash("reset", token), hash, s.now(),
		s.audit(grimbots.AuditPasswordReset, nil, nil, m, nil))
	return err
}
