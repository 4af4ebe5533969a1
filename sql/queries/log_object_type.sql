-- grain: one earlier OCEL batch flattened on an object type other than $object_type (NULL:
-- none), the first loaded: a warehouse's journeys are of one object type.
select
    i.object_type,
    i.file,
    i.batch_id
from raw.log_imports as i
inner join raw.manifest as m using (batch_id)
where i.object_type is not null and i.object_type <> $object_type
order by m.file_seq
limit 1
