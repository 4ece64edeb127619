"""The web server in the bot's process: public pages, the coordinators' dashboard, the
Telegram webhook and health, on one aiohttp server in the bot's own asyncio loop."""
