"""Bare extension instances; create_app binds them to an application."""
from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from huey import Huey
from huey.storage import MemoryStorage

from app.core.model_base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# The storage is chosen in app.core.jobs.init_jobs (SQLite file or Redis);
# tasks are declared against this one instance at import time.
huey = Huey("lms", storage_class=MemoryStorage, utc=True)
