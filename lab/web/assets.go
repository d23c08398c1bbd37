package web

import "embed"

// files are the page, its script and its styles (the parts it shares with
// the HTML export come from render.Asset).
//
//go:embed assets
var files embed.FS
