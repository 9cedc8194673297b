-- A channel's own bitrate ladder, one line ("src=copy,480p=480@1400"); NULL takes the appliance's Hls:Renditions.
ALTER TABLE channels ADD COLUMN hls_renditions text
    CHECK (length(hls_renditions) BETWEEN 1 AND 1000 AND hls_renditions ~ '^[A-Za-z0-9_=@,-]+$');
