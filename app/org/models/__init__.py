from app.org.models.account import Account
from app.org.models.person import Person, PersonCadreRole
from app.org.models.pin import PinFailure
from app.org.models.unit import Site, Unit

__all__ = ["Account", "Person", "PersonCadreRole", "PinFailure", "Site", "Unit"]
