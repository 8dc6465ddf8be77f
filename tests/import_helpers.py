"""Shared by the importer tests: fixtures' paths, an OMOP database built from CSV, a throwaway PostgreSQL,
and a scan of written files for dates and source identifiers."""
from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd

from cartcyto.cohort.validate import DATE_PATTERN

FIXTURES = Path(__file__).resolve().parent / "fixtures"
OMOP_CSV = FIXTURES / "omop_eunomia"
OMOP_TABLES = ("PERSON", "MEASUREMENT", "DRUG_EXPOSURE", "DEATH", "OBSERVATION_PERIOD", "CONCEPT")
INFUSION_CONCEPT = 1127433  # a drug of the Synthea sample standing in for the CAR-T product
LOCAL_CONCEPT = 2000000042  # a study's own concept id (OMOP reserves > 2 000 000 000 for local concepts)
TEXT_SUFFIXES = {".csv", ".tsv", ".md", ".txt", ".log", ".json", ".html", ".yaml", ".rst", ".svg"}


def omop_frames() -> dict[str, pd.DataFrame]:
    """The OMOP fixture tables, typed by DuckDB's CSV reader, plus one row of a study-added concept."""
    import duckdb

    con = duckdb.connect()
    frames = {name.lower(): con.execute(f"SELECT * FROM read_csv('{OMOP_CSV / (name + '.csv')}', header=true)").df()
              for name in OMOP_TABLES}
    con.close()
    m = frames["measurement"]
    infused = frames["drug_exposure"].loc[frames["drug_exposure"]["drug_concept_id"] == INFUSION_CONCEPT, "person_id"]
    local = m[(m["measurement_concept_id"] == 3024929) & m["person_id"].isin(infused)].iloc[[-1]].copy()
    local[["measurement_id", "measurement_concept_id", "value_as_number", "unit_source_value"]] = \
        [99999999, LOCAL_CONCEPT, 1.5, "10*9/L"]
    local["unit_concept_id"] = 0
    frames["measurement"] = pd.concat([m, local], ignore_index=True)
    return frames


def build_duckdb(path: Path, frames: dict[str, pd.DataFrame] | None = None) -> Path:
    """A real DuckDB database file holding the OMOP fixture tables (or ``frames``)."""
    import duckdb

    con = duckdb.connect(str(path))
    for name, frame in (frames if frames is not None else omop_frames()).items():
        con.register("frame", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
        con.unregister("frame")
    con.close()
    return path


def load_sqlalchemy(url: str, schema: str | None = None, frames: dict[str, pd.DataFrame] | None = None) -> None:
    """Load the OMOP fixture tables (or ``frames``) into a database through SQLAlchemy (dates as DATE columns)."""
    from sqlalchemy import Date, DateTime, create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        if schema:
            conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    for name, frame in (frames if frames is not None else omop_frames()).items():
        types = {c: (Date() if c.endswith("_date") or c == "measurement_time" else DateTime())
                 for c in frame.columns if c.endswith(("_date", "_datetime")) or c == "measurement_time"}
        frame.to_sql(name, engine, schema=schema, index=False, if_exists="replace", dtype=types)
    engine.dispose()


class Postgres:
    """A throwaway PostgreSQL server: its own data folder, a Unix socket only (no TCP), trust auth."""

    def __init__(self):
        initdb = shutil.which("initdb") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))), None)
        if initdb is None:
            raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl) not found")
        self.bin = Path(initdb).resolve().parent
        self.root = Path(tempfile.mkdtemp(prefix="cartcyto-pg-", dir="/tmp"))
        self.data, self.socket = self.root / "data", self.root / "socket"
        self.socket.mkdir()
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.prefix:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.socket, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "cartcyto", "--auth=trust", "-E", "UTF8", "--no-locale")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60", "-o",
                  f"-c listen_addresses='' -k {self.socket} -p 54329", "start")
        self.url = f"postgresql+psycopg://cartcyto@/postgres?host={self.socket}&port=54329"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(self.prefix + [str(self.bin / tool), *args], check=True, capture_output=True, timeout=120)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def leaks(root: Path, identifiers: list[str], dates: list[str]) -> list[str]:
    """Every written file under ``root`` that holds a source identifier or a calendar date."""
    found = []
    id_patterns = [re.compile(rf"(?<![0-9A-Za-z]){re.escape(i)}(?![0-9A-Za-z])") for i in identifiers]
    date_pattern = re.compile(DATE_PATTERN)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        text = data.decode("utf-8", errors="replace")
        hits = [i for i, pattern in zip(identifiers, id_patterns) if pattern.search(text)]
        hits += [d for d in dates if d in text]
        if path.suffix.lower() in TEXT_SUFFIXES and date_pattern.search(text):
            hits.append(f"date pattern {date_pattern.search(text).group(0)!r}")
        if hits:
            found.append(f"{path.relative_to(root)}: {hits[:3]}")
    return found
