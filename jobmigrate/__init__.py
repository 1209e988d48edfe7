"""jobmigrate: move a legacy batch schedule (JP1/AJS3, Control-M, AutoSys, cron) to AWS."""

__version__ = "0.1.0"
