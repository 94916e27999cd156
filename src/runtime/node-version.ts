// The Node.js this service runs on: a supported LTS (24). Node 20 reached its end of life in
// April 2026, and a service holding employers' bank accounts and declaration passwords must get
// security fixes. Where the machine's Node is older, provisioning brings Node 24 from the npm
// registry into node_modules/.bin, which every `npm run`/`npm start`/`npm test` finds first on
// PATH.
export const SUPPORTED_NODE_MAJOR = 24;

export interface NodeCheck {
  ok: boolean;
  /** One line for a person, when there is something to say. */
  message?: string;
}

export function checkNodeVersion(version: string = process.versions.node, execPath: string = process.execPath): NodeCheck {
  const major = Number(version.split('.')[0]);
  if (major < SUPPORTED_NODE_MAJOR) {
    return {
      ok: false,
      message:
        `sifee needs Node ${SUPPORTED_NODE_MAJOR} LTS, but this is Node v${version} (${execPath}). ` +
        `Run it through npm (npm start, npm test, npm run …), which uses the Node ${SUPPORTED_NODE_MAJOR} that ` +
        `\`bash scripts/provision.sh\` installs into node_modules/.bin, or install Node ${SUPPORTED_NODE_MAJOR}.`,
    };
  }
  if (major > SUPPORTED_NODE_MAJOR) {
    return { ok: true, message: `sifee is tested on Node ${SUPPORTED_NODE_MAJOR} LTS; this is Node v${version}, which it has not been tested on.` };
  }
  return { ok: true };
}
