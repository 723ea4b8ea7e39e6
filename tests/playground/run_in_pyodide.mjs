// Runs Python (read from stdin) in Pyodide under Node.js, as the playground page does: Pyodide and
// viz-js from the built site folder, the wheels unpacked from it, nothing from the network.
// The Python code sees `viz_layout` (DOT text in, SVG text out, by viz-js). Prints the value of
// its last expression (a str).  Usage: node run_in_pyodide.mjs SITE_FOLDER < code.py
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import vm from "node:vm";

const site = process.argv[2];
const code = readFileSync(0, "utf8");
const { loadPyodide } = await import(pathToFileURL(join(site, "pyodide", "pyodide.mjs")).href);
const pyodide = await loadPyodide({ stdout: (line) => console.error(line) });
const sitePackages = pyodide.runPython("import site; site.getsitepackages()[0]");
for (const wheel of JSON.parse(readFileSync(join(site, "wheels", "wheels.json"), "utf8"))) {
  const bytes = new Uint8Array(readFileSync(join(site, "wheels", wheel)));
  pyodide.unpackArchive(bytes, "wheel", { extractDir: sitePackages });
}
// The very file the page loads with a <script> tag: it defines the global Viz (under Node.js it
// asks for `require` and `__filename`, which an ES module does not have).
const vizFile = join(site, "viz", "viz-global.js");
Object.assign(globalThis, { require: createRequire(import.meta.url), __filename: vizFile });
vm.runInThisContext(readFileSync(vizFile, "utf8"));
const viz = await globalThis.Viz.instance();
pyodide.globals.set("viz_layout", (dot) => viz.renderString(dot, { format: "svg" }));
try {
  process.stdout.write(String(await pyodide.runPythonAsync(code)));
} catch (error) {
  process.stderr.write(String(error.message ?? error).slice(-4000));
  process.exit(1);
}
