import { html, type SafeHtml } from './html';

/** The shape both broker emails share: one narrow body, system fonts, inline styles (mail clients drop stylesheets). */
export function emailDocument(content: SafeHtml): string {
  return String(html`<!doctype html>
<html><body style="font-family:-apple-system,Segoe UI,Roboto,sans-serif;font-size:15px;color:#111;max-width:560px">
${content}
</body></html>`);
}

const CELL = 'padding:4px 12px 4px 0;vertical-align:top';

/** A two-column table of facts, a row each; the values keep their line breaks. */
export function emailFacts(rows: ReadonlyArray<readonly [string, string]>): SafeHtml {
  return html`<table style="border-collapse:collapse">
${rows.map(([k, v]) => html`<tr><th style="${CELL};text-align:left;color:#555">${k}</th><td style="${CELL};white-space:pre-wrap">${v}</td></tr>\n`)}</table>`;
}
