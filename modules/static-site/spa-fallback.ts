/**
 * The SPA fallback as a CloudFront Function (viewer request, cloudfront-js-2.0) on the site's default
 * behaviour only: a path whose last segment has no extension is an app route, so it is served the shell
 * `/index.html` and the client router takes the path from the address bar. Files keep their path, so a
 * missing asset stays a real 403 from the bucket, and the API's paths (their own behaviours, no
 * function) and WAF blocks keep their real status.
 *
 * ES5 on purpose: the code runs as written in CloudFront's runtime and in the tests (node's vm).
 */
export const SPA_FALLBACK_CODE = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  var last = uri.substring(uri.lastIndexOf("/") + 1);
  if (last.indexOf(".") === -1) {
    request.uri = "/index.html";
  }
  return request;
}
`;
