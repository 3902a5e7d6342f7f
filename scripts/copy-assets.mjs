// Copies the bootstrap-italia assets the pages use (CSS, Titillium Web, the icon sprite) into public/vendor,
// so they are served locally: no CDN, no third-party requests from citizens' browsers.
import { cpSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";

const from = path.resolve("node_modules/bootstrap-italia/dist");
const to = path.resolve("public/vendor/bootstrap-italia");
rmSync(to, { recursive: true, force: true });
mkdirSync(to, { recursive: true });
cpSync(path.join(from, "css/bootstrap-italia.min.css"), path.join(to, "css/bootstrap-italia.min.css"));
cpSync(path.join(from, "svg/sprites.svg"), path.join(to, "svg/sprites.svg"));
cpSync(path.join(from, "fonts/Titillium_Web"), path.join(to, "fonts/Titillium_Web"), {
  recursive: true,
  filter: (src) => !/\.(eot|svg)$/.test(src),
});
console.log(`assets copied to ${path.relative(process.cwd(), to)}`);
