// Issues test signing certificates for the demo people under the development CA (DATA_DIR/signatures) and
// signed test files to upload: valid CAdES and PAdES by the demo declarant, one signed by someone else, one
// altered after signing. Development only (the development CA refuses production).
// Run: npm run signatures:demo   -> files in DATA_DIR/signatures/demo/
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { renderPdf, verificationCode } from "../app/server/documents/pdf.server";
import { getEnv } from "../app/server/env.server";
import { developmentPki, issueDevelopmentPerson } from "../app/server/integrations/seal/development.server";
import { writePkcs12 } from "../app/server/integrations/seal/p12.server";
import { signPdf } from "../app/server/integrations/seal/pades.server";
import { createCms } from "../app/server/integrations/signature/cms-sign.server";

// Fictitious fiscal codes (the demo declarant's is the demo business's, an individual enterprise).
const PEOPLE = [
  {
    slug: "maria-rossi",
    name: "Maria Rossi",
    fiscalCode: "RSSMRA80A41M126H",
    role: "dichiarante (impresa@demo.test)",
  },
  {
    slug: "luca-bianchi",
    name: "Luca Bianchi",
    fiscalCode: "BNCLCU75C10G702Z",
    role: "funzionario (operatore@demo.test)",
  },
  {
    slug: "franco-marroni",
    name: "Franco Marroni",
    fiscalCode: "MRRFNC70B15L219W",
    role: "associazione (associazione@demo.test)",
  },
];
const PASSWORD = "demo-firma";

const env = getEnv();
const pki = await developmentPki(env.DATA_DIR);
const out = path.join(pki.dir, "demo");
await mkdir(out, { recursive: true });
const pdf = await renderPdf({
  locale: "it",
  kind: "planimetria",
  title: "Planimetria dei locali (file di prova firmato)",
  issuer: { name: "Bottega Rossi di Maria Rossi" },
  recipient: { name: "SUAP Alta Val di Cecina", lines: [] },
  sections: [{ heading: "Nota", paragraphs: ["Documento di prova per la verifica delle firme digitali."] }],
  verification: { code: verificationCode(), url: "http://localhost:3000/verifica" },
  generatedAt: new Date().toISOString(),
});
const issued: Record<string, Awaited<ReturnType<typeof issueDevelopmentPerson>>> = {};
for (const p of PEOPLE) {
  const cert = await issueDevelopmentPerson(pki, p);
  issued[p.slug] = cert;
  await writeFile(path.join(out, `${p.slug}.cert.pem`), cert.pem);
  await writeFile(
    path.join(out, `${p.slug}.p12`),
    writePkcs12(cert.keyPem, [cert.pem, pki.ca.pem], PASSWORD),
    { mode: 0o600 },
  );
  console.log(`${p.name} (${p.role}): ${p.slug}.p12, password ${PASSWORD}`);
}
const signer = (slug: string) => ({ certificate: issued[slug]!.der, chain: [], key: issued[slug]!.key });
const p7m = await createCms(pdf, signer("maria-rossi"), { detached: false, signingTime: new Date() });
await writeFile(path.join(out, "planimetria-firmata.pdf.p7m"), p7m);
await writeFile(
  path.join(out, "planimetria-firmata.pdf"),
  await signPdf(pdf, signer("maria-rossi"), { reason: "Sottoscrizione", name: "Maria Rossi" }),
);
await writeFile(
  path.join(out, "planimetria-altro-firmatario.pdf.p7m"),
  await createCms(pdf, signer("franco-marroni"), { detached: false, signingTime: new Date() }),
);
const altered = Buffer.from(p7m);
const at = altered.lastIndexOf(Buffer.from("%%EOF"));
altered[at] = 0x24; // "$%EOF": the content no longer matches its signature
await writeFile(path.join(out, "planimetria-alterata.pdf.p7m"), altered);
console.log(`Signed test files in ${out}:`);
console.log("  planimetria-firmata.pdf.p7m, planimetria-firmata.pdf   valid, signed by the demo declarant");
console.log("  planimetria-altro-firmatario.pdf.p7m                   signer is not the declarant");
console.log("  planimetria-alterata.pdf.p7m                           content altered after signing");
