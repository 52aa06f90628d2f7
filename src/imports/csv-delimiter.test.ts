import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { DelimiterSniffer, headerDelimiter } from "./csv-delimiter";

describe("CSV delimiter from the header line", () => {
  it("takes whichever of , and ; the header uses, outside quotes", () => {
    assert.equal(headerDelimiter("LegacyContactKey,FirstName,LastName"), ",");
    assert.equal(headerDelimiter("LegacyContactKey;FirstName;LastName"), ";");
    assert.equal(headerDelimiter('"Key;One",FirstName'), ",", "a quoted ; is part of a name");
    assert.equal(headerDelimiter("LegacyContactKey"), ",", "one column: the default");
  });

  it("passes every byte through, deciding once the first line has arrived across chunks", async () => {
    const chunks = ["\uFEFFLegacy", "ContactKey;First", "Name\r\nK-1;Ada\r\n", "K-2;Grace"];
    const sniffer = new DelimiterSniffer();
    Readable.from(chunks.map((chunk) => Buffer.from(chunk))).pipe(sniffer);
    const out: Buffer[] = [];
    for await (const chunk of sniffer) out.push(chunk as Buffer);
    assert.equal(await sniffer.delimiter, ";");
    assert.equal(Buffer.concat(out).toString("utf8"), chunks.join(""));
  });

  it("decides on an empty input too", async () => {
    const sniffer = new DelimiterSniffer();
    Readable.from([]).pipe(sniffer);
    for await (const _ of sniffer) assert.fail("nothing to pass on");
    assert.equal(await sniffer.delimiter, ",");
  });
});
