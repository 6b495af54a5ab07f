// Kept out of the page so that the Content-Security-Policy needs no inline script.
window.addEventListener("load", () => {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    persistAuthorization: true,
    // The default validator badge calls an external service; the docs must work offline.
    validatorUrl: null,
  });
});
