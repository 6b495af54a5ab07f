// Kept out of the page so that the Content-Security-Policy needs no inline script.
import { init } from "../redoc/js/redoc.standalone.js";

const root = document.getElementById("redoc");
// ReDoc 3 otherwise reports usage to Redocly's collector every few seconds: the docs make no outside request.
init(root.dataset.specUrl, { hideDownloadButtons: false, disableTelemetry: true }, root);
