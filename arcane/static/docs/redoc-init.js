// Kept out of the page so that the Content-Security-Policy needs no inline script.
import { init } from "../redoc/js/redoc.standalone.js";

const root = document.getElementById("redoc");
init(root.dataset.specUrl, { hideDownloadButtons: false }, root);
