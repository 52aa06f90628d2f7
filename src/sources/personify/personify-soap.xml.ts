import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";

/** The Personify single sign-on service's namespace (contracts §4). */
export const PERSONIFY_NAMESPACE = "http://TIMSSSSO/webservice";
export const SOAP_ENVELOPE_NAMESPACE = "http://schemas.xmlsoap.org/soap/envelope/";

/** An element with its namespace resolved, whatever prefix the sender chose. */
export interface XmlElement {
  namespace: string;
  /** Local name, without prefix. */
  name: string;
  children: XmlElement[];
  /** Concatenated character data directly inside the element, untrimmed. */
  text: string;
  attributes: Record<string, string>;
}

/** The text was not well-formed XML, or used a prefix it never declared. */
export class XmlMalformedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "XmlMalformedError";
  }
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_", format: false, suppressEmptyNode: false });

/**
 * A SOAP 1.1 request envelope: `<Operation xmlns="http://TIMSSSSO/webservice">` with one child per
 * parameter, in the order given (ASMX binds parameters by sequence). Values are escaped by the builder.
 */
export function buildSoapRequest(operation: string, parameters: ReadonlyArray<readonly [string, string]>): string {
  const body: Record<string, unknown> = { "@_xmlns": PERSONIFY_NAMESPACE };
  for (const [name, value] of parameters) body[name] = value;
  const envelope = builder.build({
    "soap:Envelope": {
      "@_xmlns:soap": SOAP_ENVELOPE_NAMESPACE,
      "@_xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
      "@_xmlns:xsd": "http://www.w3.org/2001/XMLSchema",
      "soap:Body": { [operation]: body },
    },
  }) as string;
  return `<?xml version="1.0" encoding="utf-8"?>${envelope}`;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  htmlEntities: false,
});

type OrderedNode = Record<string, unknown>;

/** Parses a whole document into namespace-resolved elements; throws {@link XmlMalformedError}. */
export function parseXmlDocument(text: string): XmlElement {
  // SOAP forbids a DTD, and refusing one rules out entity-expansion tricks.
  if (/<!DOCTYPE/i.test(text)) throw new XmlMalformedError("a document type declaration is not allowed");
  const validation = XMLValidator.validate(text);
  if (validation !== true) throw new XmlMalformedError(`not well-formed XML (${validation.err.code} at line ${validation.err.line})`);
  const nodes = parser.parse(text) as OrderedNode[];
  const roots = nodes.filter((node) => elementTag(node) !== undefined);
  if (roots.length !== 1) throw new XmlMalformedError("a document needs exactly one root element");
  return toElement(roots[0]!, new Map([["xml", "http://www.w3.org/XML/1998/namespace"]]));
}

function elementTag(node: OrderedNode): string | undefined {
  return Object.keys(node).find((key) => key !== ":@" && key !== "#text" && !key.startsWith("?") && key !== "#comment");
}

function toElement(node: OrderedNode, inherited: ReadonlyMap<string, string>): XmlElement {
  const tag = elementTag(node)!;
  const attributes = { ...((node[":@"] as Record<string, string> | undefined) ?? {}) };
  const scope = new Map(inherited);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "xmlns") scope.set("", value);
    else if (name.startsWith("xmlns:")) scope.set(name.slice("xmlns:".length), value);
  }
  const colon = tag.indexOf(":");
  const prefix = colon < 0 ? "" : tag.slice(0, colon);
  const namespace = scope.get(prefix);
  if (namespace === undefined && prefix !== "") throw new XmlMalformedError(`the prefix "${prefix}" is never declared`);
  const element: XmlElement = { namespace: namespace ?? "", name: tag.slice(colon + 1), children: [], text: "", attributes };
  for (const child of (node[tag] as OrderedNode[] | undefined) ?? []) {
    if (typeof child["#text"] === "string") element.text += child["#text"];
    else if (elementTag(child) !== undefined) element.children.push(toElement(child, scope));
  }
  return element;
}

/** The first child with this namespace and local name. */
export function childElement(parent: XmlElement, namespace: string, name: string): XmlElement | undefined {
  return parent.children.find((child) => child.namespace === namespace && child.name === name);
}

/** The trimmed text of a child, `""` when the child is empty or `xsi:nil`, undefined when absent. */
export function childText(parent: XmlElement, namespace: string, name: string): string | undefined {
  const child = childElement(parent, namespace, name);
  if (child === undefined) return undefined;
  return child.text.trim();
}
