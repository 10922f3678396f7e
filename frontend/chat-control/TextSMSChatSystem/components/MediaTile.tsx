/**
 * One media item of a bubble: the picture itself once its file is stored, a link to a file that is not a picture,
 * or a tile saying the picture is on its way or will not come. The tiles carry their meaning in words and an icon
 * (never colour alone) and take their colours from the theme's tokens, so they read in light and dark themes.
 */
import * as React from "react";
import { makeStyles, mergeClasses, shorthands, tokens } from "@fluentui/react-components";
import { MediaItem, mediaTile } from "../model/media";
import { ClockIcon, PictureIcon, WarningIcon } from "./Icons";

const useStyles = makeStyles({
    image: {
        display: "block",
        maxWidth: "100%",
        maxHeight: "240px",
        borderRadius: tokens.borderRadiusMedium,
        marginBottom: tokens.spacingVerticalXS,
    },
    file: {
        display: "inline-flex",
        alignItems: "center",
        gap: tokens.spacingHorizontalXS,
        marginBottom: tokens.spacingVerticalXS,
        color: tokens.colorBrandForegroundLink,
    },
    tile: {
        boxSizing: "border-box",
        display: "flex",
        flexDirection: "column",
        alignItems: "center",
        justifyContent: "center",
        gap: tokens.spacingVerticalXXS,
        width: "200px",
        maxWidth: "100%",
        minHeight: "96px",
        paddingTop: tokens.spacingVerticalS,
        paddingBottom: tokens.spacingVerticalS,
        paddingLeft: tokens.spacingHorizontalM,
        paddingRight: tokens.spacingHorizontalM,
        marginBottom: tokens.spacingVerticalXS,
        borderRadius: tokens.borderRadiusMedium,
        backgroundColor: tokens.colorNeutralBackground1,
        color: tokens.colorNeutralForeground2,
        textAlign: "center",
        overflowWrap: "anywhere",
        fontSize: tokens.fontSizeBase200,
        lineHeight: tokens.lineHeightBase200,
    },
    awaiting: { ...shorthands.border(tokens.strokeWidthThin, "dashed", tokens.colorNeutralStroke1) },
    unavailable: { ...shorthands.border(tokens.strokeWidthThin, "solid", tokens.colorNeutralStroke1) },
    title: {
        display: "inline-flex",
        alignItems: "center",
        gap: tokens.spacingHorizontalXS,
        fontWeight: tokens.fontWeightSemibold,
        color: tokens.colorNeutralForeground1,
    },
    warning: { color: tokens.colorStatusWarningForeground1, display: "inline-flex" },
});

export const MediaTile = React.memo(function MediaTile({ item }: { item: MediaItem }): React.ReactElement {
    const styles = useStyles();
    const tile = mediaTile(item);
    switch (tile.kind) {
        case "picture":
            return (
                <a href={tile.url} target="_blank" rel="noreferrer" data-media-state={item.state}>
                    <img className={styles.image} src={tile.url} alt={tile.alt} loading="lazy" />
                </a>
            );
        case "file":
            return (
                <a
                    className={styles.file}
                    href={tile.url}
                    target="_blank"
                    rel="noreferrer"
                    data-media-state={item.state}
                >
                    <PictureIcon />
                    {tile.name}
                </a>
            );
        case "awaiting":
            // role="img": the tile stands where the picture will be; its label says what the words say.
            return (
                <div
                    className={mergeClasses(styles.tile, styles.awaiting)}
                    role="img"
                    aria-label={tile.label}
                    data-media-state={item.state}
                >
                    <span className={styles.title}>
                        <ClockIcon />
                        {tile.title}
                    </span>
                    {tile.name && <span>{tile.name}</span>}
                </div>
            );
        case "unavailable":
            return (
                <div
                    className={mergeClasses(styles.tile, styles.unavailable)}
                    role="img"
                    aria-label={tile.label}
                    data-media-state={item.state}
                >
                    <span className={styles.title}>
                        <span className={styles.warning}>
                            <WarningIcon />
                        </span>
                        {tile.title}
                    </span>
                    <span>{tile.reason}</span>
                </div>
            );
    }
});
