"""An offline Telegram: a local Bot API emulator and the terminal chat of `bolden try`."""
