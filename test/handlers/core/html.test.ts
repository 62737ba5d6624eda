import { html, type SafeHtml, trustedHtml } from '../../../handlers/core/html';

describe('html', () => {
  it('escapes an interpolated script and a quote that would leave an attribute', () => {
    const reason = '<script>alert(1)</script>';
    const role = 'Admin" onmouseover="alert(1)';
    const markup = String(html`<p>${reason}</p><option value="${role}">${role}</option>`);
    expect(markup).toBe(
      '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>' +
        '<option value="Admin&quot; onmouseover=&quot;alert(1)">Admin&quot; onmouseover=&quot;alert(1)</option>',
    );
    expect(markup).not.toContain('<script>');
  });

  it("escapes ampersands and single quotes, and leaves the template's own markup alone", () => {
    expect(String(html`<a title='${"it's"}' href="/x?a=1&b=2">${'Tom & Jerry'}</a>`)).toBe(`<a title='it&#39;s' href="/x?a=1&b=2">Tom &amp; Jerry</a>`);
  });

  it('keeps fragments it made, joins lists, and prints numbers as they are', () => {
    const items: SafeHtml[] = ['<b>', 'ok'].map((a) => html`<li>${a}</li>`);
    expect(String(html`<ul>${items}</ul><span>${3}</span>`)).toBe('<ul><li>&lt;b&gt;</li><li>ok</li></ul><span>3</span>');
  });

  it('escapes an object that only looks like a fragment: nothing but html and trustedHtml makes one', () => {
    const forged = { markup: '<script>x</script>', toString: () => '<script>x</script>' };
    // A value typed loosely (as a parsed JSON body would be) is still text: the tag renders it escaped.
    expect(String(html`${forged as unknown as string}`)).not.toContain('<script>');
  });

  it('takes trusted markup as it is, and only through trustedHtml', () => {
    expect(String(html`<style>${trustedHtml('a{font-family:"X"}')}</style>`)).toBe('<style>a{font-family:"X"}</style>');
  });
});
