package lab

import "context"

// pairDemo is a test demo over one TCP connection: the server listens,
// signals "listening" and accepts; the client waits and connects; then
// each side's func takes its conn (and closes it), and the server closes
// its listener. Tests write only what happens on the connection.
func pairDemo(slug string, server, client func(s *Side, c *Conn) error, findings func(Trace, Params) []Finding) Demo {
	if findings == nil {
		findings = func(Trace, Params) []Finding { return nil }
	}
	return Demo{
		ID: 1, Slug: slug, Title: T(slug, slug), Brief: T(slug, slug),
		Server: func(ctx context.Context, s *Side) error {
			ln, err := s.Listen("127.0.0.1:0")
			if err != nil {
				return err
			}
			s.Signal("listening")
			c, err := ln.Accept()
			if err != nil {
				return err
			}
			if err := server(s, c); err != nil {
				return err
			}
			return ln.Close()
		},
		Client: func(ctx context.Context, s *Side) error {
			if err := s.Wait("listening"); err != nil {
				return err
			}
			c, err := s.Dial(s.ServerAddr())
			if err != nil {
				return err
			}
			return client(s, c)
		},
		Findings: findings,
	}
}
