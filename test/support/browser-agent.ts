/**
 * A browser enough for redirect sign-on: follows redirects one hop at a time, keeps cookies per
 * host (honouring Path and Max-Age/Expires deletion), and posts forms. Cookies are stored by
 * host only, which is all loopback tests on distinct ports need.
 */
export class BrowserAgent {
  private readonly jar = new Map<string, Map<string, { value: string; path: string }>>();

  /** Every cookie value set for `origin` (any path). */
  cookie(origin: string, name: string): string | undefined {
    return this.jar.get(new URL(origin).host)?.get(name)?.value;
  }

  setCookie(origin: string, name: string, value: string, path = "/"): void {
    this.cookiesOf(new URL(origin).host).set(name, { value, path });
  }

  /** One request; no redirect followed. */
  async request(
    url: string,
    init: { method?: string; body?: URLSearchParams | string; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const target = new URL(url);
    const cookies = [...(this.jar.get(target.host) ?? new Map()).entries()]
      .filter(([, cookie]) => target.pathname.startsWith(cookie.path))
      .map(([name, cookie]) => `${name}=${cookie.value}`)
      .join("; ");
    const response = await fetch(target, {
      method: init.method ?? "GET",
      body: init.body,
      redirect: "manual",
      headers: { accept: "text/html,application/xhtml+xml", ...(cookies ? { cookie: cookies } : {}), ...init.headers },
    });
    for (const header of response.headers.getSetCookie()) this.store(target.host, header);
    return response;
  }

  /** Follows redirects from `url` until a non-redirect answer or until `stopAt` says so. */
  async follow(
    url: string,
    stopAt: (next: URL) => boolean = () => false,
    init?: Parameters<BrowserAgent["request"]>[1],
  ): Promise<{ url: URL; response: Response }> {
    let current = new URL(url);
    let response = await this.request(current.toString(), init);
    for (let hop = 0; hop < 20 && response.status >= 300 && response.status < 400; hop += 1) {
      const next = new URL(response.headers.get("location")!, current);
      if (stopAt(next)) return { url: next, response };
      await response.body?.cancel();
      current = next;
      response = await this.request(current.toString());
    }
    return { url: current, response };
  }

  private cookiesOf(host: string) {
    let cookies = this.jar.get(host);
    if (!cookies) this.jar.set(host, (cookies = new Map()));
    return cookies;
  }

  private store(host: string, header: string): void {
    const [pair, ...attributes] = header.split(";").map((part) => part.trim());
    const index = pair!.indexOf("=");
    const name = pair!.slice(0, index);
    const value = pair!.slice(index + 1);
    const attribute = (key: string) => attributes.find((entry) => entry.toLowerCase().startsWith(`${key}=`))?.split("=")[1];
    const expires = attribute("expires");
    const deleted = attribute("max-age") === "0" || (expires !== undefined && new Date(expires).getTime() <= Date.now()) || value === "";
    if (deleted) this.cookiesOf(host).delete(name);
    else this.cookiesOf(host).set(name, { value, path: attribute("path") ?? "/" });
  }
}

/** The `action` of the first form in an HTML page, resolved against the page. */
export function formAction(html: string, page: URL): URL {
  const match = /<form[^>]*action="([^"]+)"/.exec(html);
  if (!match) throw new Error(`no form in the page: ${html.slice(0, 200)}`);
  return new URL(match[1]!.replace(/&amp;/g, "&"), page);
}
