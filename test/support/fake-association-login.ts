import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * An association's login page on 127.0.0.1, port 0, for tests of the session-variable redirect:
 * `GET /login?<returnParam>=<url>&user=<name>` "signs the user in" and redirects back to the
 * return URL with the session variable `issue(name)` makes in the `<tokenParam>` parameter.
 * Without `user` it answers the login form, as the real page would.
 */
export class FakeAssociationLogin {
  readonly returnUrls: string[] = [];
  private server: Server | undefined;

  constructor(private readonly options: { returnParam: string; tokenParam: string; issue: (user: string) => string | undefined }) {}

  get loginUrl(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}/login`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const returnUrl = url.searchParams.get(this.options.returnParam);
      if (url.pathname !== "/login" || !returnUrl) return void res.writeHead(400).end("no return URL");
      this.returnUrls.push(returnUrl);
      const user = url.searchParams.get("user");
      const token = user === null ? undefined : this.options.issue(user);
      if (token === undefined) {
        return void res.writeHead(200, { "content-type": "text/html" }).end('<form method="get"><input name="user"></form>');
      }
      const back = new URL(returnUrl);
      back.searchParams.set(this.options.tokenParam, token);
      res.writeHead(302, { location: back.toString() }).end();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
