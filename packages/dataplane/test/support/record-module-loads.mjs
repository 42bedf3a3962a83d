// Module customization hooks (node:module register): reports the URL of every module resolved in
// this process to the port the registering code passed in, so a test can see what was loaded.
let port;

export function initialize(data) {
  port = data.port;
}

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  port.postMessage(result.url);
  return result;
}
