// The coordinators' dashboard inside Telegram. Signing in: Telegram puts its signed initData
// in the address's fragment, which never reaches a server; this posts it to the server, which
// checks it and answers with the dashboard. Downloads: Telegram's apps on phones do not save
// a file a link leads to, so there the link asks Telegram to download it.
"use strict";

(function () {
  var form = document.getElementById("sign-in");
  if (form) {
    var data = new URLSearchParams(window.location.hash.slice(1)).get("tgWebAppData") || "";
    // The fragment proves who this is: keep it out of the history.
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
    form.elements.init_data.value = data;
    form.submit();
  }

  var proxy = window.TelegramWebviewProxy;
  if (!proxy) {
    return;
  }
  document.querySelectorAll("a[download]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var request = { url: link.href, file_name: link.dataset.name };
      proxy.postEvent("web_app_request_file_download", JSON.stringify(request));
    });
  });
})();
