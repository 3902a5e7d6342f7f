/** @type {import('@remix-run/dev').AppConfig} */
export default {
  ignoredRouteFiles: ["**/.*", "**/*.test.*"],
  serverModuleFormat: "esm",
  serverPlatform: "node",
  serverBuildPath: "build/index.js",
  assetsBuildDirectory: "public/build",
  publicPath: "/build/",
  serverDependenciesToBundle: [/^~\//],
  watchPaths: ["workflows/**/*"],
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    // Off (issue 18, ADR 0029): on, every page render re-ran matchRoutes over all routes for each parent
    // segment of the URL and inlined the resulting partial manifest; off, the manifest is one immutable file.
    v3_lazyRouteDiscovery: false,
    v3_singleFetch: true,
  },
};
