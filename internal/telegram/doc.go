// Package telegram is the platform's Bot API layer: a Client per bot that
// paces every send through a limiter shared across instances (30/s per bot,
// 1/s per chat, 20/min per group), pauses the whole bot when Telegram
// answers 429, classifies failures into a few error classes (ErrBlocked,
// ErrUnauthorized, ErrBadRequest, ErrConflict, ErrTemporary and
// *RetryAfterError), reuses the file_ids of media sent by URL, uploads
// in-memory photos (SendPhotoUpload), and never lets the token leak into an
// error or a log. Updates arrive through GetUpdates (long polling)
// or ReadWebhook, and ParseUpdate extracts what the funnel needs.
//
// Package telegramtest provides a fake Bot API server for tests.
package telegram
