import { validateXML } from "xmllint-wasm";

/**
 * XSD validation with libxml2 compiled to WebAssembly (xmllint-wasm, ADR 0027): the same engine as `xmllint
 * --schema`, no native build, nothing outside the process. The schema set is given as files keyed by their path
 * so relative `schemaLocation`s resolve as on disk.
 */

export type XsdProblem = { message: string; line: number | null };
export type XsdResult = { valid: boolean; problems: XsdProblem[] };

export async function validateXsd(
  xml: string,
  bundle: { entry: string; files: Map<string, string> },
): Promise<XsdResult> {
  const dir = bundle.entry.includes("/") ? bundle.entry.slice(0, bundle.entry.lastIndexOf("/") + 1) : "";
  const preload = [...bundle.files]
    .filter(([name]) => name !== bundle.entry)
    .map(([fileName, contents]) => ({ fileName, contents }));
  let result: Awaited<ReturnType<typeof validateXML>>;
  try {
    result = await validateXML({
      xml: [{ fileName: `${dir}modulo.xml`, contents: xml }],
      schema: [{ fileName: bundle.entry, contents: bundle.files.get(bundle.entry) ?? "" }],
      preload,
    });
  } catch (e) {
    // xmllint exits non-zero when the schema itself does not compile: a defect of ours, not of the modulo
    throw new Error(`Schema XSD non compilabile: ${(e as Error).message}`);
  }
  return {
    valid: result.valid,
    problems: result.errors.map((e) => ({ message: e.message.trim(), line: e.loc?.lineNumber ?? null })),
  };
}
