import { createRequire } from "node:module";

/**
 * The React that renders the pages on the server is React's production build, whatever NODE_ENV says
 * (issue 18). `remix build` always compiles the browser's bundle and the server's routes in production mode
 * (and the host runs Remix's handler in production mode, express.server.ts), but react, react-dom/server and
 * react-router pick their build when first required, from NODE_ENV: under NODE_ENV=development or test (the
 * demo, the benchmarks, the end-to-end tests) every signed-in page was rendered by the development build, with
 * its prop validation and warnings, several times slower, and not the code the browser hydrates with.
 *
 * Called by the host before it imports the build; returns the packages it had to load (none when they were
 * already loaded, e.g. twice).
 */
export const REACT_PACKAGES = [
  "react",
  "react/jsx-runtime",
  "react-dom",
  "react-dom/server",
  "@remix-run/react",
];

export function pinProductionReact(from: string): string[] {
  const require = createRequire(from);
  const saved = process.env.NODE_ENV;
  const loaded: string[] = [];
  process.env.NODE_ENV = "production";
  try {
    for (const name of REACT_PACKAGES) {
      const file = require.resolve(name);
      if (require.cache[file]) continue;
      require(name);
      loaded.push(name);
    }
  } finally {
    if (saved === undefined) Reflect.deleteProperty(process.env, "NODE_ENV");
    else process.env.NODE_ENV = saved;
  }
  return loaded;
}
